using System;
using System.Collections.Generic;
using System.Text;
using CubePS.Connections;
using CubePS.Errors;

namespace CubePS.Http;

/// <summary>Headers as Debug shows them: credentials and cookies masked, other values with secrets masked.</summary>
internal static class HeaderText
{
    public static string Describe(string title, IEnumerable<KeyValuePair<string, IEnumerable<string>>> headers, SecretMasker masker)
    {
        var text = new StringBuilder(title).Append(':');
        foreach (var header in headers)
        {
            var isSecret = header.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Cookie", StringComparison.OrdinalIgnoreCase)
                || header.Key.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase);
            foreach (var value in header.Value)
            {
                var shown = isSecret ? MaskCredential(value) : ServerText.Quote(masker.MaskText(value));
                text.Append(' ').Append(header.Key).Append(": ").Append(shown).Append(';');
            }
        }

        return text.ToString();
    }

    private static string MaskCredential(string value)
    {
        // Keep the scheme ("Token", "Basic") so Debug shows which kind was sent.
        var space = value.IndexOf(' ');
        return space > 0 && space < 20 ? value.Substring(0, space) + " " + SecretMasker.Mask : SecretMasker.Mask;
    }
}
