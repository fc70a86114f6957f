using System;
using System.Collections.Generic;
using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace CubePS.Validation;

/// <summary>
/// -Encoding as Export-Csv takes it: a name (utf8BOM, utf8NoBOM, utf8, unicode, ascii, ..., or any
/// other encoding name the system knows), a code page number, or an Encoding. Names mean what they mean to Export-Csv in PowerShell 7:
/// 'utf8' has no byte order mark.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class EncodingArgumentAttribute : ArgumentTransformationAttribute
{
    /// <summary>The names, in the order completion offers them.</summary>
    internal static readonly string[] Names = { "utf8BOM", "utf8NoBOM", "utf8", "unicode", "bigendianunicode", "utf32", "bigendianutf32", "ascii", "ansi", "oem" };

    public override object Transform(EngineIntrinsics engineIntrinsics, object inputData)
    {
        var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
        return value switch
        {
            Encoding encoding => encoding,
            int codePage => Encoding.GetEncoding(codePage),
            string name when int.TryParse(name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var codePage) => Encoding.GetEncoding(codePage),
            string name => FromName(name) ?? FromWebName(name) ?? throw new ArgumentTransformationMetadataException(
                "'" + name + "' is not an encoding this system knows. Use one of " + string.Join(", ", Names) + ", another encoding name (latin1, windows-1252, ...), a code page number, or an Encoding object."),
            _ => inputData,
        };
    }

    /// <summary>Any other name the system knows (latin1, iso-8859-15, windows-1252), as Export-Csv also takes them.</summary>
    private static Encoding? FromWebName(string name)
    {
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static Encoding? FromName(string name) => name.ToUpperInvariant() switch
    {
        "UTF8BOM" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: true),
        "UTF8NOBOM" or "UTF8" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        "UNICODE" => new UnicodeEncoding(bigEndian: false, byteOrderMark: true),
        "BIGENDIANUNICODE" => new UnicodeEncoding(bigEndian: true, byteOrderMark: true),
        "UTF32" => new UTF32Encoding(bigEndian: false, byteOrderMark: true),
        "BIGENDIANUTF32" => new UTF32Encoding(bigEndian: true, byteOrderMark: true),
        "ASCII" => Encoding.ASCII,
        "ANSI" => Encoding.GetEncoding(CultureInfo.CurrentCulture.TextInfo.ANSICodePage),
        // As PowerShell's own: an OEM code page exists only on Windows; elsewhere it is UTF-8.
        "OEM" => System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)
            ? Encoding.GetEncoding(CultureInfo.CurrentCulture.TextInfo.OEMCodePage)
            : new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        _ => null,
    };
}

/// <summary>Offers the encoding names for -Encoding.</summary>
internal sealed class EncodingCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, System.Management.Automation.Language.CommandAst commandAst, System.Collections.IDictionary fakeBoundParameters)
    {
        foreach (var name in EncodingArgumentAttribute.Names)
        {
            if (name.StartsWith(wordToComplete ?? string.Empty, StringComparison.OrdinalIgnoreCase))
            {
                yield return new CompletionResult(name);
            }
        }
    }
}
