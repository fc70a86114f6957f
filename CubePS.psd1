@{
    # The one place the version lives: build.ps1 reads it for the assemblies and the package.
    ModuleVersion        = '0.2.0'
    # A script root module checks the runtime first (see DotNetFrameworkVersion and
    # PowerShellVersion below, which PowerShell itself does not enforce), then imports CubePS.dll.
    RootModule           = 'CubePS.psm1'
    GUID                 = 'a11bb065-5633-4b33-8308-4f896defab9d'
    Author               = 'CubePS contributors'
    CompanyName          = 'CubePS contributors'
    Copyright            = '(c) 2026 CubePS contributors. MIT License.'
    Description          = 'Customer data from the Cube CRM (by Headshed) in PowerShell: Get-CubeCustomer as objects with one column set per call, Export-CubeCustomer straight to CSV (Excel-ready), XLSX or JSON Lines, Test-CubeConnection, paging, retries and unattended use through CUBE_* environment variables. Windows PowerShell 5.1 and PowerShell 7.4+.'
    CompatiblePSEditions = @('Desktop', 'Core')
    # Windows PowerShell 5.1, or PowerShell 7.4 and later: the root module refuses 7.0 to 7.3,
    # whose .NET is older than 8.
    PowerShellVersion    = '5.1'
    # A netstandard2.0 module needs .NET Framework 4.7.2 or later under Windows PowerShell; the
    # root module reads the installed release and refuses older ones.
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess     = @('CubePS.Format.ps1xml')
    CmdletsToExport      = @('Connect-Cube', 'Disconnect-Cube', 'Export-CubeCustomer', 'Get-CubeConnection', 'Get-CubeCustomer', 'Test-CubeConnection')
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('Cube', 'Headshed', 'CRM', 'Customers', 'Export', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            ProjectUri   = 'https://github.com/cubeps/CubePS'
            LicenseUri   = 'https://github.com/cubeps/CubePS/blob/main/LICENSE'
            ReleaseNotes = '0.2.0: Export-CubeCustomer (CSV byte-equal to Export-Csv, XLSX with text cells, JSON Lines; never half written); Test-CubeConnection and Connect-Cube -Validate; shifting pages re-read, exact big numbers, 403 per assignment, CubeRateLimited, secrets masked in every encoding; clear errors for an unsupported .NET or PowerShell. 0.1.0: Connect-Cube, Disconnect-Cube, Get-CubeConnection and Get-CubeCustomer.'
        }
    }
}
