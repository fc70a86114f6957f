# What build.ps1, the tests and the benchmark share: how to start a fresh pwsh, optionally with a
# home of its own so that nothing it writes (PSResourceGet settings, installed modules) touches the
# user's.

function Get-PwshCommandLine {
    <# The running PowerShell as a command line for a fresh process ('dotnet <path>/pwsh.dll' under the dotnet tool). #>
    $process = [Environment]::ProcessPath
    if ([IO.Path]::GetFileNameWithoutExtension($process) -eq 'dotnet') {
        return , @($process, (Join-Path $PSHOME 'pwsh.dll'))
    }
    return , @($process)
}

function New-IsolatedHome {
    <#
    .SYNOPSIS
        Makes $Directory a home folder and returns the environment variables that point a process at it.
    #>
    param([Parameter(Mandatory)][string] $Directory)
    $environment = [ordered]@{
        HOME = $Directory; USERPROFILE = $Directory
        XDG_DATA_HOME = "$Directory/.local/share"; XDG_CONFIG_HOME = "$Directory/.config"; XDG_CACHE_HOME = "$Directory/.cache"
        LOCALAPPDATA = "$Directory/AppData/Local"; APPDATA = "$Directory/AppData/Roaming"
        PSModulePath = ''
    }
    # .NET reports a special folder only when it exists (else PSResourceGet writes into the current folder).
    $null = New-Item -ItemType Directory -Force -Path @($environment.Values | Where-Object { $_ })
    return $environment
}

function Start-PwshProcess {
    <#
    .SYNOPSIS
        Starts pwsh with $ArgumentList (after -NoProfile, and -NonInteractive unless -Interactive)
        in a fresh process and returns the Process, for a caller that acts on it while it runs.
    #>
    param(
        [Parameter(Mandatory)][string[]] $ArgumentList,
        [System.Collections.IDictionary] $Environment = @{},
        [switch] $Interactive,
        [switch] $RedirectInput,
        [switch] $RedirectOutput
    )
    $pwsh = Get-PwshCommandLine
    $start = [Diagnostics.ProcessStartInfo]::new($pwsh[0])
    $options = if ($Interactive) { @('-NoProfile') } else { @('-NoProfile', '-NonInteractive') }
    foreach ($argument in @($pwsh | Select-Object -Skip 1) + $options + $ArgumentList) { $start.ArgumentList.Add($argument) }
    # A $null value removes the variable (NO_COLOR = $null: as on a terminal that has colours).
    foreach ($name in $Environment.Keys) {
        if ($null -eq $Environment[$name]) { $null = $start.Environment.Remove($name) } else { $start.Environment[$name] = $Environment[$name] }
    }
    $start.UseShellExecute = $false
    $start.RedirectStandardInput = [bool]$RedirectInput
    $start.RedirectStandardOutput = [bool]$RedirectOutput
    $start.RedirectStandardError = [bool]$RedirectOutput
    return [Diagnostics.Process]::Start($start)
}

function Invoke-PwshProcess {
    <#
    .SYNOPSIS
        Runs pwsh with $ArgumentList (after -NoProfile -NonInteractive) in a fresh process.
    .OUTPUTS
        The exit code; with -CaptureOutput an object with ExitCode, Output (lines) and Error.
        Without it the process writes straight to this console.
    #>
    param(
        [Parameter(Mandatory)][string[]] $ArgumentList,
        [System.Collections.IDictionary] $Environment = @{},
        [switch] $CaptureOutput
    )
    $process = Start-PwshProcess -ArgumentList $ArgumentList -Environment $Environment -RedirectOutput:$CaptureOutput
    try {
        if (-not $CaptureOutput) {
            $process.WaitForExit()
            return $process.ExitCode
        }
        $stdout = $process.StandardOutput.ReadToEndAsync()
        $stderr = $process.StandardError.ReadToEndAsync()
        $process.WaitForExit()
        return [pscustomobject]@{
            ExitCode = $process.ExitCode
            Output   = @($stdout.Result -split "`r?`n" | Where-Object { $_ })
            Error    = $stderr.Result
        }
    }
    finally { $process.Dispose() }
}

function Get-NuGetPackagesPath {
    <# The NuGet package cache, where PackageDownload puts the test tools (Pester, EPPlus). #>
    if ($env:NUGET_PACKAGES) { return $env:NUGET_PACKAGES }
    return Join-Path ([Environment]::GetFolderPath('UserProfile')) '.nuget/packages'
}

Export-ModuleMember -Function Get-PwshCommandLine, New-IsolatedHome, Start-PwshProcess, Invoke-PwshProcess, Get-NuGetPackagesPath
