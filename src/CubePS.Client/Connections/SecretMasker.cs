using System;
using System.Collections.Generic;
using System.Text.RegularExpressions;

namespace CubePS.Connections;

/// <summary>
/// Removes secrets from text that CubePS shows: the connection's token or password (also in the
/// Basic header's base64 form) and secret-looking query parameters of URIs.
/// </summary>
internal sealed class SecretMasker
{
    internal const string Mask = "***";

    private static readonly Regex SecretQueryParameter = new(
        @"(?<=[?&](?:[^=&]*(?:token|key|secret|password|passwd|pwd|signature|sig|auth|session)[^=&]*)=)[^&#]*",
        RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

    private readonly string[] _secrets;

    public SecretMasker(IEnumerable<string?> secrets)
    {
        var kept = new List<string>();
        foreach (var secret in secrets)
        {
            // Very short secrets would mask ordinary text; they are rejected at connect time anyway.
            if (!string.IsNullOrEmpty(secret) && secret!.Length >= 3)
            {
                kept.Add(secret);
            }
        }

        // Longest first, so a secret that contains another is masked whole.
        kept.Sort((a, b) => b.Length.CompareTo(a.Length));
        _secrets = kept.ToArray();
    }

    public string MaskText(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var result = text!;
        foreach (var secret in _secrets)
        {
            if (result.IndexOf(secret, StringComparison.Ordinal) >= 0)
            {
                result = result.Replace(secret, Mask);
            }

            var escaped = Uri.EscapeDataString(secret);
            if (escaped != secret && result.IndexOf(escaped, StringComparison.Ordinal) >= 0)
            {
                result = result.Replace(escaped, Mask);
            }
        }

        return result;
    }

    /// <summary>A URI as CubePS shows it: user info and secret-looking query values masked.</summary>
    public string MaskUri(Uri uri)
    {
        var text = uri.IsAbsoluteUri ? uri.AbsoluteUri : uri.OriginalString;
        if (uri.IsAbsoluteUri && uri.UserInfo.Length > 0)
        {
            text = text.Replace(uri.UserInfo + "@", Mask + "@");
        }

        return MaskText(SecretQueryParameter.Replace(text, Mask));
    }
}
