using System.Globalization;

namespace CubePS.Connections;

/// <summary>
/// What a token or password must be for CubePS to accept it: checked by Connect-Cube at parameter
/// binding and for the CUBE_* variables, before any request, so that a token Cube could never
/// accept fails at once with a message that says why (and never shows the secret).
/// </summary>
internal static class SecretRules
{
    /// <summary>
    /// Shorter secrets are refused: CubePS masks every secret it accepts wherever it shows text,
    /// and masking one or two characters would garble every message instead of protecting anything.
    /// </summary>
    public const int MinimumLength = 4;

    /// <summary>Why <paramref name="token"/> cannot be a Cube token, or null when it can.</summary>
    public static string? CheckToken(string token)
    {
        if (token.Length == 0)
        {
            return "The token is empty. In a runbook, check that the variable holding it is set.";
        }

        for (var i = 0; i < token.Length; i++)
        {
            var c = token[i];
            if (c is < '!' or > '~')
            {
                // An HTTP header carries visible ASCII only; say what and where, never the token.
                var what = c == ' ' ? "a space" : char.IsControl(c) ? "a control character (such as a line break or tab)" : "a character outside ASCII";
                return string.Format(
                    CultureInfo.InvariantCulture,
                    "The token has {0} at position {1} of {2}, which an HTTP Authorization header cannot carry: Cube tokens are letters, digits and punctuation. Copy the token again from Cube, without spaces or line breaks around it.",
                    what,
                    i + 1,
                    token.Length);
            }
        }

        return token.Length < MinimumLength
            ? string.Format(CultureInfo.InvariantCulture, "The token is {0} characters long; a Cube token is much longer. CubePS refuses secrets shorter than {1} characters.", token.Length, MinimumLength)
            : null;
    }

    /// <summary>Why <paramref name="password"/> cannot be used, or null when it can (any characters: Basic sends it base64-encoded).</summary>
    public static string? CheckPassword(string password) =>
        password.Length == 0 ? "The password is empty."
        : password.Length < MinimumLength ? string.Format(CultureInfo.InvariantCulture, "The password is shorter than {0} characters, which CubePS refuses: it could not keep so short a secret out of the messages it shows.", MinimumLength)
        : null;

    /// <summary>Why <paramref name="userName"/> cannot be used with HTTP Basic, or null when it can.</summary>
    public static string? CheckUserName(string userName) =>
        userName.Trim().Length == 0 || userName.IndexOf(':') >= 0
            ? "The user name is empty or contains ':', which HTTP Basic authentication cannot carry."
            : null;
}
