# Starting, stopping and configuring the Cube simulator from PowerShell: used by build.ps1 (Demo,
# Bench) and by the Pester tests.

function Start-CubeSimulator {
    <#
    .SYNOPSIS
        Starts the simulator on a free loopback port and returns where it listens and its credentials.
        It exits by itself when this PowerShell process ends (--parent-pid), so Ctrl+C leaves nothing running.
    #>
    param(
        [Parameter(Mandatory)][string] $SimulatorPath,
        [string[]] $ExtraArguments = @(),
        # The port to listen on; 0 lets the system pick a free one.
        [int] $Port = 0
    )
    if (-not (Test-Path -LiteralPath $SimulatorPath)) { throw "The simulator is not built ($SimulatorPath): run ./build.ps1 first." }
    $portFile = Join-Path ([IO.Path]::GetTempPath()) ("cube-sim-{0}.uri" -f [guid]::NewGuid().ToString('N'))
    $log = Join-Path ([IO.Path]::GetTempPath()) ("cube-sim-{0}.log" -f [guid]::NewGuid().ToString('N'))
    $arguments = @($SimulatorPath, '--port', "$Port", '--port-file', $portFile, '--parent-pid', $PID) + $ExtraArguments
    $process = Start-Process -FilePath 'dotnet' -ArgumentList $arguments -PassThru -RedirectStandardOutput $log
    $deadline = [DateTime]::UtcNow.AddSeconds(30)
    while (-not (Test-Path -LiteralPath $portFile)) {
        if ($process.HasExited) { throw "The simulator exited with code $($process.ExitCode): $(Get-Content -Raw $log)" }
        if ([DateTime]::UtcNow -gt $deadline) { $process.Kill(); throw 'The simulator did not start within 30 s.' }
        Start-Sleep -Milliseconds 50
    }
    $uri = (Get-Content -Raw -LiteralPath $portFile).Trim()
    Remove-Item -LiteralPath $portFile
    [pscustomobject]@{
        BaseUri  = $uri
        Process  = $process
        Log      = $log
        Token    = 'cube-simulator-token'
        UserName = 'agent@example.com'
        Password = 'hemmelig-æøå-1'
    }
}

function Stop-CubeSimulator {
    param($Simulator)
    if ($Simulator -and $Simulator.Process -and -not $Simulator.Process.HasExited) {
        $Simulator.Process.Kill()
        $null = $Simulator.Process.WaitForExit(5000)
    }
    if ($Simulator -and $Simulator.Log) { Remove-Item -LiteralPath $Simulator.Log -ErrorAction SilentlyContinue }
}

function Set-CubeSimulatorAssignment {
    <# Configures how the simulator serves an assignment (see README.md beside the simulator). #>
    param([Parameter(Mandatory)][string] $BaseUri, [Parameter(Mandatory)][int] $Id, [Parameter(Mandatory)][System.Collections.IDictionary] $Setup)
    $body = $Setup | ConvertTo-Json -Depth 20 -Compress
    $null = Invoke-RestMethod -Method Post -Uri ($BaseUri + "_sim/assignments/$Id") -Body ([Text.Encoding]::UTF8.GetBytes($body)) -ContentType 'application/json; charset=utf-8'
}

Export-ModuleMember -Function Start-CubeSimulator, Stop-CubeSimulator, Set-CubeSimulatorAssignment
