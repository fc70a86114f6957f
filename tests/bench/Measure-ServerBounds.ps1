<#
.SYNOPSIS
    Peak memory of CubePS against a server that sends what no Cube sends (issue 18): each case in
    a fresh pwsh process, against a gzip-serving server on loopback, with the same bytes as
    ordinary values beside it for comparison. Prints a table; asserts nothing (the tests check the
    outcomes, this prints the figures).

.DESCRIPTION
    Cases (compressed on the wire, as a hostile server would send them):
      ids-40MB        ten customer_ids of 40 MB each           values-40MB   the same bytes as values
      keys-1MB        250 records, each with a 1 MB key        values-1MB    the same bytes as values
      integer-1.5M    a 1,500,000-digit integer, piped to Export-Csv
      text-ids-512B   200,000 text customer_ids of 512 bytes   int-ids-512B  integer ids, 512-byte values
    Peak memory is the process's VmHWM (Linux) or PeakWorkingSet64 (elsewhere).

.EXAMPLE
    dotnet pwsh ./build.ps1 -Task Build; dotnet pwsh tests/bench/Measure-ServerBounds.ps1 -ModulePath out/CubePS
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [string[]] $Case
)

$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
Import-Module (Join-Path $PSScriptRoot '../../.build/BuildTools.psm1') -Force
$ModulePath = (Resolve-Path -LiteralPath $ModulePath).Path
$pwsh = Get-PwshCommandLine
$workDirectory = Join-Path ([IO.Path]::GetTempPath()) ("cubeps-bounds-" + [guid]::NewGuid().ToString('n'))
$null = New-Item -ItemType Directory -Path $workDirectory

function New-GzipBody {
    # The page, written in pieces through gzip: the server never holds it inflated.
    param([scriptblock] $Write)
    $packed = [IO.MemoryStream]::new()
    $gzip = [IO.Compression.GZipStream]::new($packed, [IO.Compression.CompressionLevel]::Fastest, $true)
    $writer = [IO.StreamWriter]::new($gzip, [Text.UTF8Encoding]::new($false), 1MB)
    & $Write $writer
    $writer.Dispose()
    return $packed.ToArray()
}

$cases = [ordered]@{
    'ids-40MB'      = @{ Id = 1001; Command = 'GetCsv'; Body = { param($w) $w.Write('['); $big = [string]::new('7', 40MB); foreach ($i in 1..10) { if ($i -gt 1) { $w.Write(',') }; $w.Write('{"customer_id": "' + $big + $i + '"}') }; $w.Write(']') } }
    'values-40MB'   = @{ Id = 1002; Command = 'GetCsv'; Body = { param($w) $w.Write('['); $big = [string]::new('7', 40MB); foreach ($i in 1..10) { if ($i -gt 1) { $w.Write(',') }; $w.Write('{"customer_id": ' + $i + ', "note": "' + $big + $i + '"}') }; $w.Write(']') } }
    'keys-1MB'      = @{ Id = 1003; Command = 'GetCsv'; Body = { param($w) $w.Write('['); $big = [string]::new('k', 1MB); foreach ($i in 1..250) { if ($i -gt 1) { $w.Write(',') }; $w.Write('{"customer_id": ' + $i + ', "' + $big + $i + '": 1}') }; $w.Write(']') } }
    'values-1MB'    = @{ Id = 1004; Command = 'GetCsv'; Body = { param($w) $w.Write('['); $big = [string]::new('k', 1MB); foreach ($i in 1..250) { if ($i -gt 1) { $w.Write(',') }; $w.Write('{"customer_id": ' + $i + ', "v": "' + $big + $i + '"}') }; $w.Write(']') } }
    'integer-1.5M'  = @{ Id = 1005; Command = 'GetCsv'; Body = { param($w) $w.Write('[{"customer_id": 1, "huge": 1' + [string]::new('0', 1499999) + '}]') } }
    'text-ids-512B' = @{ Id = 1006; Command = 'ExportJsonl'; Body = { param($w) $w.Write('['); $pad = [string]::new('a', 500); foreach ($i in 1..200000) { if ($i -gt 1) { $w.Write(',') }; $w.Write('{"customer_id": "' + $pad + $i.ToString('000000000000') + '"}') }; $w.Write(']') } }
    'int-ids-512B'  = @{ Id = 1007; Command = 'ExportJsonl'; Body = { param($w) $w.Write('['); $pad = [string]::new('a', 500); foreach ($i in 1..200000) { if ($i -gt 1) { $w.Write(',') }; $w.Write('{"customer_id": ' + $i + ', "v": "' + $pad + $i.ToString('000000000000') + '"}') }; $w.Write(']') } }
}
if ($Case) { $Case = $Case -split ','; foreach ($name in @($cases.Keys)) { if ($name -notin $Case) { $cases.Remove($name) } } }

$bodies = [hashtable]::Synchronized(@{})
foreach ($entry in $cases.GetEnumerator()) {
    $bodies[[string]$entry.Value.Id] = New-GzipBody $entry.Value.Body
}

# The server: an HttpListener in a runspace of this process, which is not measured.
$port = Get-Random -Minimum 20000 -Maximum 60000
$listener = [Net.HttpListener]::new()
$listener.Prefixes.Add("http://127.0.0.1:$port/")
$listener.Start()
$server = [powershell]::Create().AddScript({
    param($listener, $bodies)
    while ($listener.IsListening) {
        try { $context = $listener.GetContext() } catch { break }
        $id = ($context.Request.Url.AbsolutePath -split '/')[3]
        $body = $bodies[$id]
        if ($null -eq $body) { $context.Response.StatusCode = 404; $context.Response.Close(); continue }
        $context.Response.ContentType = 'application/json'
        $context.Response.AddHeader('Content-Encoding', 'gzip')
        $context.Response.ContentLength64 = $body.Length
        try { $context.Response.OutputStream.Write($body, 0, $body.Length); $context.Response.Close() } catch { }
    }
}).AddArgument($listener).AddArgument($bodies)
$null = $server.BeginInvoke()

$client = @'
param($ModulePath, $BaseUri, $Id, $Command, $Out)
$ErrorActionPreference = 'Stop'; $ProgressPreference = 'SilentlyContinue'
Import-Module $ModulePath
Connect-Cube -BaseUri $BaseUri -Token (ConvertTo-SecureString 'bounds-test-token' -AsPlainText -Force) -AllowUnencryptedAuthentication -WarningAction SilentlyContinue
$watch = [Diagnostics.Stopwatch]::StartNew()
$outcome = ''; $longest = 0
try {
    if ($Command -eq 'GetCsv') {
        Get-CubeCustomer -AssignmentId $Id -WarningVariable warnings -WarningAction SilentlyContinue | Export-Csv -LiteralPath "$Out.csv" -NoTypeInformation
        $outcome = "$((Import-Csv -LiteralPath "$Out.csv" | Measure-Object).Count) records"
    } else {
        $result = Export-CubeCustomer -AssignmentId $Id -LiteralPath "$Out.jsonl" -PassThru -WarningVariable warnings -WarningAction SilentlyContinue
        $outcome = "$($result.Customers) records"
    }
    foreach ($w in $warnings) { $longest = [Math]::Max($longest, "$w".Length) }
} catch {
    $outcome = $_.FullyQualifiedErrorId.Split(',')[0]
    $longest = [Math]::Max($_.Exception.Message.Length, "$($_.ErrorDetails.Message)".Length)
}
$seconds = $watch.Elapsed.TotalSeconds
$peak = if (Test-Path /proc/self/status) { [double]((Get-Content /proc/self/status | Where-Object { $_ -like 'VmHWM:*' }) -replace '[^0-9]', '') / 1024 } else { [Diagnostics.Process]::GetCurrentProcess().PeakWorkingSet64 / 1MB }
[pscustomobject]@{ Outcome = $outcome; PeakMB = [Math]::Round($peak); Seconds = [Math]::Round($seconds, 1); LongestMessage = $longest } | ConvertTo-Json -Compress
'@
$clientScript = Join-Path $workDirectory 'client.ps1'
Set-Content -LiteralPath $clientScript -Value $client

try {
    $rows = foreach ($entry in $cases.GetEnumerator()) {
        $arguments = @('-NoProfile', '-NonInteractive', '-File', $clientScript, $ModulePath, "http://127.0.0.1:$port/", $entry.Value.Id, $entry.Value.Command, (Join-Path $workDirectory $entry.Key))
        $line = & $pwsh[0] @($pwsh | Select-Object -Skip 1) @arguments | Select-Object -Last 1
        $figures = $line | ConvertFrom-Json
        [pscustomobject]@{
            Case = $entry.Key
            OnTheWireKB = [Math]::Round($bodies[[string]$entry.Value.Id].Length / 1KB)
            Outcome = $figures.Outcome
            PeakMB = $figures.PeakMB
            Seconds = $figures.Seconds
            LongestMessage = $figures.LongestMessage
        }
    }
    $rows | Format-Table -AutoSize | Out-String -Width 200
} finally {
    $listener.Stop()
    $server.Dispose()
    Remove-Item -LiteralPath $workDirectory -Recurse -Force
}
