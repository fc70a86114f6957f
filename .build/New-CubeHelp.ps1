<#
.SYNOPSIS
    Builds the module's MAML help from the Markdown sources in src/CubePS/help (platyPS style).

.DESCRIPTION
    The words come from the Markdown; every fact about a parameter (type, whether mandatory,
    position, pipeline input, aliases) and the syntax come from the built cmdlets themselves, so
    help cannot drift from the code. Fails when a cmdlet has no help file, a parameter has no
    description, or help describes a parameter the cmdlet does not have, or an optional parameter
    has no 'Default value:' (or one that differs from the cmdlet's own). Run by build.ps1 in a
    fresh pwsh, since it loads the built module.
#>
param(
    [Parameter(Mandatory)][string] $ModulePath,
    [Parameter(Mandatory)][string] $SourceDirectory,
    [Parameter(Mandatory)][string] $OutputFile
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Read-HelpMarkdown {
    # The file as blocks: a section (## NAME), an optional title (### Title), code and text lines.
    param([string] $Path)
    $blocks = [System.Collections.Generic.List[object]]::new()
    $block = $null
    $section = ''
    $inCode = $false
    foreach ($line in Get-Content -LiteralPath $Path -Encoding utf8) {
        if ($inCode) {
            if ($line -match '^```') { $inCode = $false } else { $block.Code.Add($line) }
            continue
        }
        if ($line -match '^# ') { continue }
        if ($line -match '^##+ (.+)$') {
            $title = $null
            if ($line.StartsWith('## ')) { $section = $Matches[1].Trim().ToUpperInvariant() } else { $title = $Matches[1].Trim() }
            $block = [pscustomobject]@{ Section = $section; Title = $title; Code = [System.Collections.Generic.List[string]]::new(); Text = [System.Collections.Generic.List[string]]::new() }
            $blocks.Add($block)
            continue
        }
        if ($line -match '^```') { $inCode = $true; continue }
        if ($block) { $block.Text.Add($line) }
    }

    $text = { param($name) @($blocks | Where-Object { $_.Section -eq $name -and -not $_.Title } | ForEach-Object { ConvertTo-Paragraphs $_.Text }) }
    $items = { param($name) @($blocks | Where-Object { $_.Section -eq $name -and $_.Title } | ForEach-Object { [pscustomobject]@{ Title = $_.Title; Code = @($_.Code); Paragraphs = @(ConvertTo-Paragraphs $_.Text) } }) }
    $parameters = [ordered]@{}
    $defaults = @{}
    foreach ($parameter in & $items 'PARAMETERS') {
        $name = $parameter.Title.TrimStart('-')
        # A paragraph 'Default value: ...' is the parameter's default, shown where help shows defaults.
        $parameters[$name] = @($parameter.Paragraphs | Where-Object { $_ -notlike 'Default value:*' })
        $default = $parameter.Paragraphs | Where-Object { $_ -like 'Default value:*' } | Select-Object -First 1
        if ($default) { $defaults[$name] = $default.Substring('Default value:'.Length).Trim() }
    }
    [pscustomobject]@{
        Synopsis    = & $text 'SYNOPSIS'
        Description = & $text 'DESCRIPTION'
        Notes       = & $text 'NOTES'
        Links       = @(& $text 'RELATED LINKS' | ForEach-Object { $_ -replace '^-\s*', '' })
        Examples    = & $items 'EXAMPLES'
        Inputs      = & $items 'INPUTS'
        Outputs     = & $items 'OUTPUTS'
        Parameters  = $parameters
        Defaults    = $defaults
    }
}

function ConvertTo-Paragraphs {
    # Lines to paragraphs: blank lines separate them; each "- " list item is one.
    param([string[]] $Lines)
    $paragraphs = [System.Collections.Generic.List[string]]::new()
    $current = [System.Collections.Generic.List[string]]::new()
    foreach ($line in $Lines) {
        if (-not $line.Trim() -or $line -match '^\s*- ') {
            if ($current.Count) { $paragraphs.Add(($current -join ' ').Trim()); $current.Clear() }
            if ($line.Trim()) { $current.Add($line.Trim()) }
            continue
        }
        $current.Add($line.Trim())
    }
    if ($current.Count) { $paragraphs.Add(($current -join ' ').Trim()) }
    return $paragraphs
}

# -WhatIf and -Confirm are part of a cmdlet's syntax, as in PowerShell's own help; the rest of
# the common parameters are said once, by <CommonParameters>.
$common = [System.Management.Automation.PSCmdlet]::CommonParameters + 'UseTransaction'
$moduleName = [IO.Path]::GetFileNameWithoutExtension((Resolve-Path $ModulePath).Path.TrimEnd('/', '\'))
Import-Module $ModulePath -Force
$commands = Get-Command -Module $moduleName -CommandType Cmdlet | Sort-Object Name

$ns = @{
    maml    = 'http://schemas.microsoft.com/maml/2004/10'
    command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'
    dev     = 'http://schemas.microsoft.com/maml/dev/2004/10'
}
$settings = [System.Xml.XmlWriterSettings]::new()
$settings.Indent = $true
$settings.Encoding = [System.Text.UTF8Encoding]::new($false)
$null = New-Item -ItemType Directory -Force -Path (Split-Path $OutputFile)
$writer = [System.Xml.XmlWriter]::Create($OutputFile, $settings)

function Write-Paragraphs([string] $Prefix, [string] $Element, [string[]] $Paragraphs) {
    $writer.WriteStartElement($Prefix, $Element, $ns[$Prefix])
    foreach ($paragraph in $Paragraphs) { $writer.WriteElementString('maml', 'para', $ns.maml, $paragraph) }
    $writer.WriteEndElement()
}

function Get-PipelineInput($Attributes) {
    $kinds = @()
    if ($Attributes | Where-Object ValueFromPipelineByPropertyName) { $kinds += 'ByPropertyName' }
    if ($Attributes | Where-Object ValueFromPipeline) { $kinds += 'ByValue' }
    if ($kinds) { "True ($($kinds -join ', '))" } else { 'False' }
}

function Write-Parameter($Parameter, [string[]] $Description, [bool] $Required, [string] $Position, [string] $PipelineInput, [string] $DefaultValue) {
    $typeName = $Parameter.ParameterType
    if ($typeName.IsGenericType -and $typeName.GetGenericTypeDefinition() -eq [Nullable`1]) { $typeName = $typeName.GetGenericArguments()[0] }
    $writer.WriteStartElement('command', 'parameter', $ns.command)
    $writer.WriteAttributeString('required', $Required.ToString().ToLowerInvariant())
    $writer.WriteAttributeString('variableLength', $typeName.IsArray.ToString().ToLowerInvariant())
    $globbing = [bool]($Parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.SupportsWildcardsAttribute] })
    $writer.WriteAttributeString('globbing', $globbing.ToString().ToLowerInvariant())
    $writer.WriteAttributeString('pipelineInput', $PipelineInput)
    $writer.WriteAttributeString('position', $Position)
    $writer.WriteAttributeString('aliases', $(if ($Parameter.Aliases.Count) { $Parameter.Aliases -join ', ' } else { 'none' }))
    $writer.WriteElementString('maml', 'name', $ns.maml, $Parameter.Name)
    Write-Paragraphs 'maml' 'description' $Description
    if ($typeName -ne [System.Management.Automation.SwitchParameter]) {
        $writer.WriteStartElement('command', 'parameterValue', $ns.command)
        $writer.WriteAttributeString('required', 'true')
        $writer.WriteAttributeString('variableLength', $typeName.IsArray.ToString().ToLowerInvariant())
        $writer.WriteString($typeName.Name)
        $writer.WriteEndElement()
    }
    $writer.WriteStartElement('dev', 'type', $ns.dev)
    $writer.WriteElementString('maml', 'name', $ns.maml, $typeName.FullName)
    $writer.WriteEndElement()
    $writer.WriteElementString('dev', 'defaultValue', $ns.dev, $DefaultValue)
    $writer.WriteEndElement()
}

$writer.WriteStartDocument()
$writer.WriteStartElement('helpItems', 'http://msh')
$writer.WriteAttributeString('schema', 'maml')
foreach ($command in $commands) {
    $source = Join-Path $SourceDirectory "$($command.Name).md"
    if (-not (Test-Path -LiteralPath $source)) { throw "$($command.Name) has no help source ($source)." }
    $doc = Read-HelpMarkdown $source
    $parameters = @($command.Parameters.Values | Where-Object { $_.Name -notin $common })
    $undocumented = @($parameters | Where-Object { -not $doc.Parameters.Contains($_.Name) -or -not $doc.Parameters[$_.Name] })
    if ($undocumented) { throw "$($command.Name): no help for parameter(s) $($undocumented.Name -join ', ')." }
    $unknown = @($doc.Parameters.Keys | Where-Object { $_ -notin $parameters.Name })
    if ($unknown) { throw "$($command.Name): help describes parameter(s) it does not have: $($unknown -join ', ')." }
    if (-not $doc.Synopsis -or -not $doc.Description -or $doc.Examples.Count -lt 2) { throw "$($command.Name): help needs a synopsis, a description and at least two examples." }

    # Every parameter's default, as help shows it: a switch is False, a parameter that every
    # parameter set requires has none, any other says in its help what happens without it; where
    # the cmdlet itself starts with a value, the help must say that value.
    $instance = [Activator]::CreateInstance($command.ImplementingType)
    $defaultValues = @{}
    foreach ($parameter in $parameters) {
        $attributes = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $alwaysMandatory = [bool]($attributes.Count -and -not ($attributes | Where-Object { -not $_.Mandatory }))
        $written = $doc.Defaults[$parameter.Name]
        if ($parameter.ParameterType -eq [System.Management.Automation.SwitchParameter]) { $defaultValues[$parameter.Name] = 'False'; continue }
        if ($alwaysMandatory) { $defaultValues[$parameter.Name] = 'None'; continue }
        if (-not $written) { throw "$($command.Name) -$($parameter.Name): help says no 'Default value:'." }
        $property = $instance.PSObject.Properties[$parameter.Name]
        $actual = if ($property) { $property.Value } else { $null }
        if ($null -ne $actual -and -not ($actual -is [array] -and $actual.Count -eq 0) -and -not $written.StartsWith("$actual")) {
            throw "$($command.Name) -$($parameter.Name): help says the default is '$written', but the cmdlet starts with '$actual'."
        }
        $defaultValues[$parameter.Name] = $written
    }

    $writer.WriteStartElement('command', 'command', $ns.command)
    $writer.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $writer.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)
    $writer.WriteStartElement('command', 'details', $ns.command)
    $writer.WriteElementString('command', 'name', $ns.command, $command.Name)
    $writer.WriteElementString('command', 'verb', $ns.command, $command.Verb)
    $writer.WriteElementString('command', 'noun', $ns.command, $command.Noun)
    Write-Paragraphs 'maml' 'description' $doc.Synopsis
    $writer.WriteEndElement()
    Write-Paragraphs 'maml' 'description' $doc.Description

    $writer.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $command.ParameterSets) {
        $writer.WriteStartElement('command', 'syntaxItem', $ns.command)
        $writer.WriteElementString('maml', 'name', $ns.maml, $command.Name)
        foreach ($parameter in $set.Parameters | Where-Object { $_.Name -notin $common } | Sort-Object { if ($_.Position -ge 0) { $_.Position } else { 1000 } }, { -not $_.IsMandatory }) {
            $full = $command.Parameters[$parameter.Name]
            $position = if ($parameter.Position -ge 0) { "$($parameter.Position)" } else { 'named' }
            $pipeline = if ($parameter.ValueFromPipeline -or $parameter.ValueFromPipelineByPropertyName) { Get-PipelineInput @($parameter) } else { 'False' }
            Write-Parameter $full $doc.Parameters[$parameter.Name] $parameter.IsMandatory $position $pipeline $defaultValues[$parameter.Name]
        }
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($parameter in $parameters | Sort-Object Name) {
        $attributes = @($parameter.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] })
        $mandatory = [bool]($attributes.Count -and -not ($attributes | Where-Object { -not $_.Mandatory }))
        $positions = @($attributes | Where-Object { $_.Position -ge 0 } | ForEach-Object Position | Sort-Object -Unique)
        $position = if ($positions.Count) { "$($positions[0])" } else { 'named' }
        Write-Parameter $parameter $doc.Parameters[$parameter.Name] $mandatory $position (Get-PipelineInput $attributes) $defaultValues[$parameter.Name]
    }
    $writer.WriteEndElement()

    foreach ($kind in @(@{ Element = 'inputTypes'; Item = 'inputType'; Entries = $doc.Inputs }, @{ Element = 'returnValues'; Item = 'returnValue'; Entries = $doc.Outputs })) {
        $writer.WriteStartElement('command', $kind.Element, $ns.command)
        foreach ($entry in $kind.Entries) {
            $writer.WriteStartElement('command', $kind.Item, $ns.command)
            $writer.WriteStartElement('dev', 'type', $ns.dev)
            $writer.WriteElementString('maml', 'name', $ns.maml, $entry.Title)
            $writer.WriteEndElement()
            Write-Paragraphs 'maml' 'description' $entry.Paragraphs
            $writer.WriteEndElement()
        }
        $writer.WriteEndElement()
    }

    $writer.WriteStartElement('maml', 'alertSet', $ns.maml)
    $writer.WriteStartElement('maml', 'alert', $ns.maml)
    foreach ($paragraph in $doc.Notes) { $writer.WriteElementString('maml', 'para', $ns.maml, $paragraph) }
    $writer.WriteEndElement()
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'examples', $ns.command)
    $number = 0
    foreach ($example in $doc.Examples) {
        $number++
        $writer.WriteStartElement('command', 'example', $ns.command)
        $writer.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $($example.Title) --------------------------")
        $writer.WriteElementString('dev', 'code', $ns.dev, ($example.Code -join "`n"))
        Write-Paragraphs 'dev' 'remarks' $example.Paragraphs
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()

    $writer.WriteStartElement('command', 'relatedLinks', $ns.command)
    foreach ($link in $doc.Links) {
        $writer.WriteStartElement('maml', 'navigationLink', $ns.maml)
        $writer.WriteElementString('maml', 'linkText', $ns.maml, $link)
        $writer.WriteElementString('maml', 'uri', $ns.maml, '')
        $writer.WriteEndElement()
    }
    $writer.WriteEndElement()
    $writer.WriteEndElement()
}
$writer.WriteEndElement()
$writer.WriteEndDocument()
$writer.Dispose()
Write-Host "Help: $OutputFile ($($commands.Count) cmdlets)"
