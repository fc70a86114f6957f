using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace CubePS.Connections;

/// <summary>
/// Removes secrets from text that CubePS shows: the connection's token or password (also in the
/// Basic header's base64 form, and each base64-encoded), in every spelling a URL or a JSON reply
/// can give them (percent-encoded once or twice, escaped, as HTML references), and the
/// values of secret-looking query parameters and user info of URIs.
/// </summary>
internal sealed class SecretMasker
{
    internal const string Mask = "***";

    /// <summary>
    /// What a reply may put inside a secret where it wraps a line: white space, a line break as a
    /// JSON or HTML page writes it (\n, \u000a, &lt;br&gt;, &amp;#10;), and a hyphen before one; and
    /// the NUL between the characters of a UTF-16 (LE or BE) reply read as single bytes.
    /// Each alternative starts differently and none repeats inside, so matching stays linear.
    /// </summary>
    private const string LineBreaks = @"(?:\s|\x00|\\[nrt]|\\u000[9aAdD]|<[bB][rR]\s*/?>|&#(?:9|10|13);|&#[xX]0*[9aAdD];|-(?=\s|\\[nrt]|\\u000|<[bB][rR]|&#))*";

    private static readonly char[] AuthorityEnds = { '/', '?', '#' };

    private static readonly string[] SecretParameterWords = { "token", "key", "secret", "password", "passwd", "pwd", "signature", "sig", "auth", "session" };

    /// <summary>One pattern per secret, longest secret first, so a secret that contains another is masked whole.</summary>
    private readonly Regex[] _patterns;

    /// <param name="secrets">The secrets; null and empty ones are left out. Connect-Cube accepts none shorter than <see cref="SecretRules.MinimumLength"/>.</param>
    public SecretMasker(IEnumerable<string?> secrets)
    {
        var kept = new List<string>();
        foreach (var secret in secrets)
        {
            if (!string.IsNullOrEmpty(secret) && !kept.Contains(secret!))
            {
                kept.Add(secret!);
            }
        }

        // A secret may also come back base64-encoded (an echoed header, a debugging page): as
        // standard and URL-safe base64, padded and not.
        foreach (var secret in kept.ToArray())
        {
            var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(secret));
            var urlSafe = base64.Replace('+', '-').Replace('/', '_');
            foreach (var form in new[] { base64, base64.TrimEnd('='), urlSafe, urlSafe.TrimEnd('=') })
            {
                if (!kept.Contains(form))
                {
                    kept.Add(form);
                }
            }
        }

        kept.Sort((a, b) => b.Length.CompareTo(a.Length));
        _patterns = kept.ConvertAll(Spellings).ToArray();
        foreach (var secret in kept)
        {
            LongestSpelling = Math.Max(LongestSpelling, SpellingLength(secret));
        }
    }

    /// <summary>The longest text any secret's spelling can take: how much of a cut-off end could be the start of one.</summary>
    public int LongestSpelling { get; }

    public string MaskText(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        var result = text!;
        foreach (var pattern in _patterns)
        {
            result = pattern.Replace(result, Mask);
        }

        return result;
    }

    /// <summary>A URI as CubePS shows it: user info and secret-looking query values masked, then every secret.</summary>
    public string MaskUri(Uri uri)
    {
        var text = uri.IsAbsoluteUri ? uri.AbsoluteUri : uri.OriginalString;
        if (uri.IsAbsoluteUri && uri.UserInfo.Length > 0)
        {
            text = text.Replace(uri.UserInfo + "@", Mask + "@");
        }

        return MaskText(MaskUriText(text));
    }

    /// <summary>
    /// A URI as text, also one that is refused or cannot be parsed, as CubePS shows every URI: the
    /// user info before '@' and the values of secret-looking query (and fragment) parameters masked. No
    /// connection is needed (a refused base URI has none yet).
    /// </summary>
    public static string MaskUriText(string uri)
    {
        var scheme = uri.IndexOf("://", StringComparison.Ordinal);
        var authorityStart = scheme < 0 ? 0 : scheme + 3;
        var authorityEnd = uri.IndexOfAny(AuthorityEnds, authorityStart);
        var end = authorityEnd < 0 ? uri.Length : authorityEnd;
        var at = end > authorityStart ? uri.LastIndexOf('@', end - 1, end - authorityStart) : -1;
        if (at >= 0)
        {
            uri = uri.Substring(0, authorityStart) + Mask + uri.Substring(at);
        }

        uri = MaskSecretParameters(uri);

        // A fragment can carry parameters too (#access_token=... of an OAuth reply).
        var hash = uri.IndexOf('#');
        return hash < 0 ? uri : uri.Substring(0, hash + 1) + MaskSecretParameters("?" + uri.Substring(hash + 1)).Substring(1);
    }

    private static readonly char[] QueryStarts = { '?', '#' };

    /// <summary>
    /// A base URI that is refused, as CubePS shows it: as <see cref="MaskUriText"/>, and every value
    /// of its query and fragment masked, whatever its name ("code", "k"): a base URI takes no query,
    /// so nothing there is needed to tell what was given.
    /// </summary>
    public static string MaskRefusedUriText(string uri)
    {
        uri = MaskUriText(uri);
        var start = uri.IndexOfAny(QueryStarts);
        if (start < 0)
        {
            return uri;
        }

        var shown = new StringBuilder(uri.Substring(0, start));
        var part = new StringBuilder();
        for (var i = start; i <= uri.Length; i++)
        {
            var c = i < uri.Length ? uri[i] : '\0';
            if (i == uri.Length || c is '?' or '#' or '&' or ';')
            {
                if (part.Length > 0)
                {
                    var text = part.ToString();
                    var equals = text.IndexOf('=');
                    shown.Append(equals < 0 ? Mask : text.Substring(0, equals + 1) + Mask);
                    part.Clear();
                }

                if (i < uri.Length)
                {
                    shown.Append(c);
                }
            }
            else
            {
                part.Append(c);
            }
        }

        return shown.ToString();
    }

    /// <summary>
    /// A pattern that finds <paramref name="secret"/> however a URL, a JSON text or a web page spells
    /// it: each character as itself, percent-encoded once or twice (its UTF-8 bytes, hex digits in either case),
    /// as a JSON \u escape or backslash escape, as an HTML character reference, and a space also as
    /// '+'; and white space between two characters, where a reply wraps its lines in the middle of
    /// the secret (shown as one line, such a secret would be readable). Linear to match: no nested repetition.
    /// </summary>
    private static Regex Spellings(string secret)
    {
        var pattern = new StringBuilder();
        var utf8 = new UTF8Encoding(false, false);
        for (var i = 0; i < secret.Length; i++)
        {
            var length = char.IsHighSurrogate(secret[i]) && i + 1 < secret.Length ? 2 : 1;
            var character = secret.Substring(i, length);
            if (i > 0 && character != " " && secret[i - 1] != ' ')
            {
                pattern.Append(LineBreaks);
            }
            else if (i > 0)
            {
                // A UTF-16 reply read as single bytes: a NUL between every two characters.
                pattern.Append(@"\x00?");
            }

            pattern.Append("(?:").Append(Regex.Escape(character));
            var percent = new StringBuilder();
            var twicePercent = new StringBuilder();
            foreach (var b in utf8.GetBytes(character))
            {
                percent.Append('%').Append(HexEitherCase(b >> 4)).Append(HexEitherCase(b & 0xF));
                twicePercent.Append("%25").Append(HexEitherCase(b >> 4)).Append(HexEitherCase(b & 0xF));
            }

            // Percent-encoded, and percent-encoded twice (a URL carried inside another URL).
            pattern.Append('|').Append(percent).Append('|').Append(twicePercent);
            foreach (var unit in character)
            {
                pattern.Append(@"|\\u").Append(HexEitherCase(unit >> 12)).Append(HexEitherCase((unit >> 8) & 0xF)).Append(HexEitherCase((unit >> 4) & 0xF)).Append(HexEitherCase(unit & 0xF));
            }

            if (character == " ")
            {
                // '+' in a query; any run of white space where a page wraps or tabs the text.
                pattern.Append(@"|\+|\s+");
            }

            if (character.Length == 1 && character[0] is >= '\u0080' and <= '\u00FF')
            {
                // Percent-encoded as Latin-1, as older servers do.
                pattern.Append("|%").Append(HexEitherCase(character[0] >> 4)).Append(HexEitherCase(character[0] & 0xF));
            }

            AppendEscapedSpellings(pattern, character);
            pattern.Append(')');
            i += length - 1;
        }

        return new Regex(pattern.ToString(), RegexOptions.CultureInvariant);
    }

    private static int SpellingLength(string secret)
    {
        var total = 0;
        for (var i = 0; i < secret.Length; i++)
        {
            var length = char.IsHighSurrogate(secret[i]) && i + 1 < secret.Length ? 2 : 1;
            var character = secret.Substring(i, length);
            var utf8Bytes = Encoding.UTF8.GetByteCount(character);
            var reference = length == 1 && char.IsSurrogate(character[0]) ? 0 : 3 + char.ConvertToUtf32(character, 0).ToString(CultureInfo.InvariantCulture).Length;

            // Twice percent-encoded bytes, \u escapes, or a decimal HTML reference (&#8364;), the longest.
            total += Math.Max(Math.Max(5 * utf8Bytes, 6 * length), reference);
            i += length - 1;
        }

        return total;
    }

    /// <summary>
    /// The spellings of one character in an error page: a JSON backslash escape (\" \\ \/ \t ...,
    /// as JSON encoders write them) and HTML character references (&amp;amp; &amp;quot; &amp;#38; &amp;#x26; ...).
    /// </summary>
    private static void AppendEscapedSpellings(StringBuilder pattern, string character)
    {
        var json = character switch
        {
            "\"" or "\\" or "/" => "\\" + character,
            "\b" => "\\b",
            "\f" => "\\f",
            "\n" => "\\n",
            "\r" => "\\r",
            "\t" => "\\t",
            _ => null,
        };
        if (json is not null)
        {
            pattern.Append('|').Append(Regex.Escape(json));
        }

        var named = character switch
        {
            "&" => "&amp;",
            "\"" => "&quot;",
            "<" => "&lt;",
            ">" => "&gt;",
            "'" => "&apos;",
            _ => null,
        };
        if (named is not null)
        {
            pattern.Append('|').Append(Regex.Escape(named));
        }

        if (character.Length == 1 && char.IsSurrogate(character[0]))
        {
            return;
        }

        var codePoint = char.ConvertToUtf32(character, 0);
        pattern.Append("|&#").Append(codePoint.ToString(CultureInfo.InvariantCulture)).Append(';');
        pattern.Append("|&#[xX]");
        foreach (var digit in codePoint.ToString("X", CultureInfo.InvariantCulture))
        {
            var value = Convert.ToInt32(digit.ToString(), 16);
            pattern.Append(HexEitherCase(value));
        }

        pattern.Append(';');
    }

    private static string HexEitherCase(int digit)
    {
        var upper = digit.ToString("X", CultureInfo.InvariantCulture);
        var lower = digit.ToString("x", CultureInfo.InvariantCulture);
        return upper == lower ? upper : "[" + upper + lower + "]";
    }

    /// <summary>
    /// Masks the value of every query parameter whose name contains a secret-looking word. A plain
    /// scan of the query, not a regular expression: a hostile server's next link is never a
    /// backtracking trap.
    /// </summary>
    private static string MaskSecretParameters(string uri)
    {
        var query = uri.IndexOf('?');
        if (query < 0)
        {
            return uri;
        }

        var fragment = uri.IndexOf('#', query);
        var end = fragment < 0 ? uri.Length : fragment;
        var result = new StringBuilder(uri.Length);
        result.Append(uri, 0, query + 1);
        var position = query + 1;
        while (position <= end)
        {
            var next = uri.IndexOf('&', position, end - position);
            var parameterEnd = next < 0 ? end : next;
            var equals = uri.IndexOf('=', position, parameterEnd - position);
            if (equals >= 0 && IsSecretName(Uri.UnescapeDataString(uri.Substring(position, equals - position))))
            {
                result.Append(uri, position, equals + 1 - position).Append(Mask);
            }
            else
            {
                result.Append(uri, position, parameterEnd - position);
            }

            if (next < 0)
            {
                break;
            }

            result.Append('&');
            position = next + 1;
        }

        result.Append(uri, end, uri.Length - end);
        return result.ToString();
    }

    /// <summary>
    /// True when a word of the name (split at punctuation, digits and camelCase humps) starts or ends
    /// with a secret word: "api_key", "accessToken", "X-Amz-Signature" and "sessionid" are secrets,
    /// "assignmentId" is not, although it contains "sig".
    /// </summary>
    private static bool IsSecretName(string name)
    {
        var start = 0;
        for (var index = 1; index <= name.Length; index++)
        {
            if (index == name.Length || StartsNewWord(name[index - 1], name[index]))
            {
                if (IsSecretWord(name.Substring(start, index - start)))
                {
                    return true;
                }

                start = index;
            }
        }

        return false;
    }

    private static bool StartsNewWord(char previous, char current) =>
        !char.IsLetter(current) || !char.IsLetter(previous) || (char.IsLower(previous) && char.IsUpper(current));

    private static bool IsSecretWord(string word)
    {
        if (word.Length == 0 || !char.IsLetter(word[0]))
        {
            return false;
        }

        foreach (var secretWord in SecretParameterWords)
        {
            if (word.StartsWith(secretWord, StringComparison.OrdinalIgnoreCase) || word.EndsWith(secretWord, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
