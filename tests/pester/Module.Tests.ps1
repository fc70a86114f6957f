# The module as the PowerShell Gallery and Windows PowerShell 5.1 see it: the manifest, the
# rules PSScriptAnalyzer would check, paging parameters, and the shipped dependency closure.

BeforeAll {
    Import-Module (Join-Path $PSScriptRoot 'TestHelpers.psm1') -Force
    $script:modulePath = Get-CubeModulePath
    $script:manifestPath = Join-Path $modulePath 'CubePS.psd1'
    $script:module = Import-Module $modulePath -Force -PassThru
    $script:manifest = Import-PowerShellDataFile $manifestPath
    $script:commands = @(Get-Command -Module CubePS)
    $script:sim = Get-CubeSimulator
    Connect-CubeSimulator
}

AfterAll {
    Disconnect-Cube
}

Describe 'Manifest' {
    It 'passes Test-ModuleManifest' {
        $tested = Test-ModuleManifest -Path $manifestPath -ErrorAction Stop
        $tested.Version | Should -Be ([version]$manifest.ModuleVersion)
        $tested.Name | Should -Be 'CubePS'
    }

    It 'has what the Gallery shows: <Key>' -ForEach @(
        @{ Key = 'GUID' }, @{ Key = 'Author' }, @{ Key = 'CompanyName' }, @{ Key = 'Copyright' }, @{ Key = 'Description' }
    ) {
        $manifest[$Key] | Should -Not -BeNullOrEmpty
    }

    It 'declares Windows PowerShell 5.1 on .NET Framework 4.7.2 and PowerShell 7 (the root module enforces both)' {
        $manifest.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
        $manifest.PowerShellVersion | Should -Be '5.1'
        $manifest.DotNetFrameworkVersion | Should -Be '4.7.2'
        $manifest.RootModule | Should -Be 'CubePS.psm1'
    }

    It 'exports its cmdlets by name and nothing else' {
        $manifest.CmdletsToExport | Should -Be @('Connect-Cube', 'Disconnect-Cube', 'Export-CubeCustomer', 'Get-CubeConnection', 'Get-CubeCustomer', 'Test-CubeConnection')
        $manifest.CmdletsToExport | Should -Not -Contain '*'
        , $manifest.FunctionsToExport | Should -BeOfType [array]
        $manifest.FunctionsToExport.Count | Should -Be 0
        $manifest.AliasesToExport.Count | Should -Be 0
        $manifest.VariablesToExport.Count | Should -Be 0
        ($commands.Name | Sort-Object) | Should -Be ($manifest.CmdletsToExport | Sort-Object)
    }

    It 'loads its formats and carries the Gallery data' {
        $manifest.FormatsToProcess | Should -Be @('CubePS.Format.ps1xml')
        $data = $manifest.PrivateData.PSData
        foreach ($tag in 'Cube', 'Headshed', 'CRM', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS') {
            $data.Tags | Should -Contain $tag
        }
        $data.ProjectUri | Should -Match '^https://'
        $data.LicenseUri | Should -Match '^https://'
        $data.ReleaseNotes | Should -Not -BeNullOrEmpty
    }

    It 'has the version of the manifest in its assemblies' {
        $version = [version]$manifest.ModuleVersion
        foreach ($dll in 'CubePS.dll', 'CubePS.Client.dll') {
            [Reflection.AssemblyName]::GetAssemblyName((Join-Path $modulePath $dll)).Version | Should -Be ([version]::new($version.Major, $version.Minor, $version.Build, 0))
        }
    }
}

Describe 'Error categories' {
    It 'maps every category the client uses to the PowerShell ErrorCategory of the same name' {
        $clientCategory = [CubePS.Connection].Assembly.GetType('CubePS.Errors.CubeErrorCategory', $true)
        $toErrorCategory = [CubePS.Commands.CubeCmdlet].Assembly.GetType('CubePS.Streams.ErrorRecords', $true).GetMethod('ToErrorCategory')
        $names = [Enum]::GetNames($clientCategory)
        $names.Count | Should -BeGreaterThan 10
        foreach ($name in $names) {
            $mapped = $toErrorCategory.Invoke($null, @([Enum]::Parse($clientCategory, $name)))
            $mapped | Should -BeOfType [System.Management.Automation.ErrorCategory]
            "$mapped" | Should -BeExactly $name
        }
    }
}

Describe 'Gallery rules' {
    It '<Name> uses an approved verb' -ForEach @(Get-Command -Module CubePS | ForEach-Object { @{ Name = $_.Name; Verb = $_.Verb } }) {
        (Get-Verb).Verb | Should -Contain $Verb
    }

    It '<Name> has a singular noun' -ForEach @(Get-Command -Module CubePS | ForEach-Object { @{ Name = $_.Name; Noun = $_.Noun } }) {
        $Noun | Should -Not -Match 's$'
    }

    It 'takes secrets only as SecureString or PSCredential' {
        foreach ($command in $commands) {
            foreach ($parameter in $command.Parameters.Values) {
                if ($parameter.Name -match 'Password|Token|Secret|Credential|Key') {
                    $parameter.ParameterType | Should -BeIn @([securestring], [pscredential]) -Because "$($command.Name) -$($parameter.Name)"
                }
            }
        }
    }

    It '<Name> declares its output type' -ForEach @(Get-Command -Module CubePS | ForEach-Object { @{ Name = $_.Name } }) {
        (Get-Command $Name).OutputType | Should -Not -BeNullOrEmpty
    }

    It 'names Connect-Cube''s parameter sets for what they take' {
        (Get-Command Connect-Cube).ParameterSets.Name | Sort-Object | Should -Be @('AccountWithCredential', 'AccountWithToken', 'BaseUriWithCredential', 'BaseUriWithToken')
        (Get-Command Connect-Cube).DefaultParameterSet | Should -Be 'AccountWithToken'
        $syntax = Get-Command Connect-Cube -Syntax
        $syntax | Should -Match 'Connect-Cube \[-Account\] <string> -Token <securestring>'
        $syntax | Should -Match 'Connect-Cube -BaseUri <uri> -Credential <pscredential>'
    }

    It 'has paging parameters on Get-CubeCustomer' {
        $parameters = (Get-Command Get-CubeCustomer).Parameters
        foreach ($name in 'First', 'Skip', 'IncludeTotalCount') { $parameters.Keys | Should -Contain $name }
    }
}

Describe 'Windows PowerShell 5.1 and PowerShell 7.4, checked without running them' {
    BeforeAll {
        $script:dependencyFolderName = ([xml](Get-Content -Raw (Join-Path $PSScriptRoot '../../src/Directory.Build.props'))).Project.PropertyGroup.CubeDependencyFolder
        $script:dependencyFolder = Join-Path $modulePath $dependencyFolderName
        $script:shipped = @{}
        foreach ($dll in Get-ChildItem $dependencyFolder -Filter *.dll) { $shipped[[IO.Path]::GetFileNameWithoutExtension($dll.Name)] = [Reflection.AssemblyName]::GetAssemblyName($dll.FullName) }
        $script:allDlls = @(Get-ChildItem $modulePath -Recurse -Filter *.dll)
    }

    It 'ships System.Text.Json 8.0 with its netstandard2.0 dependency closure in the folder CubePS.dll names' {
        $metadata = [CubePS.Commands.CubeCmdlet].Assembly.GetCustomAttributes([Reflection.AssemblyMetadataAttribute], $false) | Where-Object Key -eq 'CubePS.DependencyFolder'
        $metadata.Value | Should -Be $dependencyFolderName
        $shipped['System.Text.Json'].Version.Major | Should -Be 8
        foreach ($name in 'Microsoft.Bcl.AsyncInterfaces', 'System.Buffers', 'System.Memory', 'System.Numerics.Vectors', 'System.Runtime.CompilerServices.Unsafe', 'System.Text.Encodings.Web', 'System.Threading.Tasks.Extensions') {
            $shipped.Keys | Should -Contain $name
        }
    }

    It 'satisfies every reference between the shipped dlls, as the module''s resolver would' {
        $dlls = @(Get-ChildItem $dependencyFolder -Filter *.dll) + (Get-Item (Join-Path $modulePath 'CubePS.Client.dll'))
        foreach ($dll in $dlls) {
            foreach ($reference in Get-AssemblyReference $dll.FullName) {
                if ($shipped.ContainsKey($reference.Name)) {
                    $shipped[$reference.Name].Version | Should -BeGreaterOrEqual $reference.Version -Because "$($dll.Name) asks for $($reference.FullName)"
                }
                elseif ($reference.Name -notin 'netstandard', 'mscorlib', 'CubePS.Client') {
                    throw "$($dll.Name) needs $($reference.Name), which is neither shipped nor part of .NET Standard."
                }
            }
        }
    }

    It 'keeps CubePS.dll, where the resolver lives, free of every assembly the resolver hands out' {
        # On .NET Framework the resolver is compiled the first time it runs; were CubePS.dll to
        # reference System.Memory, say, that would ask the resolver for System.Memory again.
        (Get-AssemblyReference (Join-Path $modulePath 'CubePS.dll')).Name | Sort-Object | Should -Be @('CubePS.Client', 'netstandard', 'System.Management.Automation')
    }

    It 'ships only dlls for netstandard2.0 or a .NET Framework no newer than 4.7.2: <Name>' -ForEach @(
        Get-ChildItem (Get-CubeModulePath) -Recurse -Filter *.dll | ForEach-Object { @{ Name = $_.Name; Path = $_.FullName } }
    ) {
        $target = Get-TargetFramework $Path
        $references = @(Get-AssemblyReference $Path)
        if ($target) {
            $name, $version = $target -split ',Version=v'
            if ($name -eq '.NETStandard') { [version]$version | Should -BeLessOrEqual ([version]'2.0') }
            elseif ($name -eq '.NETFramework') { [version]$version | Should -BeLessOrEqual ([version]'4.7.2') }
            else { throw "$Name targets $target." }
        }
        else {
            # Older packages carry no TargetFrameworkAttribute: what they reference tells.
            $standard = $references | Where-Object Name -eq 'netstandard'
            $standard | Should -Not -BeNullOrEmpty -Because "$Name has no target framework attribute and does not reference netstandard"
            $standard.Version | Should -BeLessOrEqual ([version]'2.0.0.0')
        }
        $references.Name | Should -Not -Contain 'System.Runtime' -Because "$Name would be a .NET (Core) build"
    }

    It 'never changes the process-wide TLS setting (ServicePointManager.SecurityProtocol is only read)' {
        foreach ($dll in 'CubePS.dll', 'CubePS.Client.dll') {
            $members = @(Get-MemberReferenceName (Join-Path $modulePath $dll))
            $members | Should -Not -Contain 'ServicePointManager.set_SecurityProtocol'
            if ($dll -eq 'CubePS.Client.dll') { $members | Should -Contain 'ServicePointManager.get_SecurityProtocol' }
        }
    }

    It 'refuses an unsupported runtime at import with one clear error: <Case>' -ForEach @(
        @{ Case = 'Windows PowerShell on .NET Framework 4.7.1'; Edition = 'Desktop'; PS = '5.1'; Runtime = '4.0.30319.42000'; Release = 461310; Needs = '4.7.2' }
        @{ Case = 'Windows PowerShell without .NET Framework 4.5'; Edition = 'Desktop'; PS = '5.1'; Runtime = '4.0.30319.42000'; Release = $null; Needs = '4.7.2' }
        @{ Case = 'PowerShell 7.0 on .NET Core 3.1'; Edition = 'Core'; PS = '7.0.13'; Runtime = '3.1.32'; Release = $null; Needs = '7.4' }
        @{ Case = 'PowerShell 7.3 on .NET 7'; Edition = 'Core'; PS = '7.3.12'; Runtime = '7.0.20'; Release = $null; Needs = '7.4' }
    ) {
        $problem = & $module { param($e, $p, $r, $f) Get-CubeRuntimeProblem -Edition $e -PowerShellVersion $p -RuntimeVersion $r -FrameworkRelease $f } $Edition $PS $Runtime $Release
        $problem | Should -Match ([regex]::Escape($Needs))
    }

    It 'accepts a supported runtime: <Case>' -ForEach @(
        @{ Case = 'Windows PowerShell on .NET Framework 4.7.2 (first release)'; Edition = 'Desktop'; PS = '5.1'; Runtime = '4.0.30319.42000'; Release = 461808 }
        @{ Case = 'Windows PowerShell on .NET Framework 4.8.1'; Edition = 'Desktop'; PS = '5.1'; Runtime = '4.0.30319.42000'; Release = 533320 }
        @{ Case = 'PowerShell 7.4 on .NET 8'; Edition = 'Core'; PS = '7.4.6'; Runtime = '8.0.11'; Release = $null }
        @{ Case = 'this PowerShell'; Edition = $PSEdition; PS = "$($PSVersionTable.PSVersion)"; Runtime = "$([Environment]::Version)"; Release = $null }
    ) {
        & $module { param($e, $p, $r, $f) Get-CubeRuntimeProblem -Edition $e -PowerShellVersion $p -RuntimeVersion $r -FrameworkRelease $f } $Edition $PS $Runtime $Release | Should -BeNullOrEmpty
    }

    It 'keeps its runtime check private' {
        Get-Command -Module CubePS -Name Get-CubeRuntimeProblem -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}

Describe 'Paging parameters' {
    It '-First stops requesting pages once it has enough' {
        Reset-SimulatorStats
        $ten = @(Get-CubeCustomer -AssignmentId 20 -First 10)
        $ten.customer_id | Should -Be (5000000..5000009)
        Get-SimulatorRequestCount 20 | Should -Be 1
        Reset-SimulatorStats
        @(Get-CubeCustomer -AssignmentId 20 -First 150).Count | Should -Be 150
        Get-SimulatorRequestCount 20 | Should -Be 2
    }

    It '-Skip passes over customers across pages' {
        (Get-CubeCustomer -AssignmentId 20 -Skip 95 -First 10).customer_id | Should -Be (5000095..5000104)
    }

    It '-IncludeTotalCount takes the total from the envelope''s count' {
        $out = @(Get-CubeCustomer -AssignmentId 20 -First 5 -IncludeTotalCount)
        $out.Count | Should -Be 6
        [uint64]$out[0] | Should -Be 1234
        "$($out[0])" | Should -Match '1234'
        $out[1].customer_id | Should -Be 5000000
    }

    It '-IncludeTotalCount counts a bare array read to its end' {
        $out = @(Get-CubeCustomer -AssignmentId 9 -IncludeTotalCount)
        [uint64]$out[0] | Should -Be 10
        $out.Count | Should -Be 11
    }

    It '-IncludeTotalCount says the total is unknown when nothing can tell it' {
        $out = @(Get-CubeCustomer -AssignmentId 9 -First 2 -IncludeTotalCount)
        $out[0].ToString() | Should -Match 'Unknown'
        $out = @(Get-CubeCustomer -AssignmentId 20 -First 2 -UpdatedSince '2020-01-01' -IncludeTotalCount)
        $out[0].ToString() | Should -Match 'Unknown'
    }

    It '-IncludeTotalCount says the total is unknown when -First leaves an assignment of the call unasked' {
        # 20's count alone (1,234) is not the total of 20 and 12.
        $out = @(Get-CubeCustomer -AssignmentId 20, 12 -First 2 -IncludeTotalCount -Verbose 4>&1)
        $total = $out | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] } | Select-Object -First 1
        $total.ToString() | Should -Match 'Unknown'
        ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message -join "`n" | Should -Not -Match 'In all'
        [uint64]@(Get-CubeCustomer -AssignmentId 20, 12 -IncludeTotalCount)[0] | Should -Be 1238
    }
}
