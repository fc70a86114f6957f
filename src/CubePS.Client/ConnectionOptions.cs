using System;
using System.Globalization;
using System.Net;
using System.Security;

namespace CubePS;

/// <summary>What a connection is made from: Connect-Cube's parameters or the CUBE_* environment variables.</summary>
public sealed class ConnectionOptions
{
    public const string BaseUriVariable = "CUBE_BASE_URI";
    public const string AccountVariable = "CUBE_ACCOUNT";
    public const string TokenVariable = "CUBE_TOKEN";
    public const string UserNameVariable = "CUBE_USERNAME";
    public const string PasswordVariable = "CUBE_PASSWORD";

    public Uri? BaseUri { get; set; }

    public string? Account { get; set; }

    public SecureString? Token { get; set; }

    public string? UserName { get; set; }

    public SecureString? Password { get; set; }

    public RequestSettings RequestSettings { get; set; } = RequestSettings.Default;

    public Uri? Proxy { get; set; }

    public NetworkCredential? ProxyCredential { get; set; }

    public bool SkipCertificateCheck { get; set; }

    public bool AllowUnencryptedAuthentication { get; set; }

    /// <summary>Where the settings came from, shown by Get-CubeConnection.</summary>
    public string Source { get; set; } = "Connect-Cube";

    /// <summary>
    /// Reads the CUBE_* variables. Returns null when none is set; throws CubeInvalidEnvironment when
    /// they are set but do not describe one connection.
    /// </summary>
    public static ConnectionOptions? FromEnvironment(Func<string, string?> getVariable)
    {
        string? Read(string name)
        {
            var value = getVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
        }

        var baseUri = Read(BaseUriVariable);
        var account = Read(AccountVariable);
        var token = getVariable(TokenVariable);
        var userName = Read(UserNameVariable);
        var password = getVariable(PasswordVariable);
        if (string.IsNullOrEmpty(token)) token = null;
        if (string.IsNullOrEmpty(password)) password = null;

        if (baseUri is null && account is null && token is null && userName is null && password is null)
        {
            return null;
        }

        var options = new ConnectionOptions { Source = "Environment" };
        if (baseUri is not null && account is not null)
        {
            throw Invalid($"Both {BaseUriVariable} and {AccountVariable} are set; set only one of them.");
        }

        if (baseUri is null && account is null)
        {
            throw Invalid($"{TokenVariable} or {UserNameVariable} is set, but neither {AccountVariable} nor {BaseUriVariable} says which Cube to use.");
        }

        if (account is not null)
        {
            var problem = CubeEndpoint.ValidateAccount(account);
            if (problem is not null)
            {
                throw Invalid($"{AccountVariable}: {problem}");
            }

            options.Account = account;
        }
        else
        {
            if (!Uri.TryCreate(baseUri, UriKind.Absolute, out var parsed))
            {
                throw Invalid($"{BaseUriVariable} is not an absolute URI: '{baseUri}'.");
            }

            var problem = CubeEndpoint.ValidateBaseUri(parsed);
            if (problem is not null)
            {
                throw Invalid($"{BaseUriVariable}: {problem}");
            }

            options.BaseUri = parsed;
        }

        if (token is not null && (userName is not null || password is not null))
        {
            throw Invalid($"Both {TokenVariable} and {UserNameVariable}/{PasswordVariable} are set; set either the token or the user name and password.");
        }

        if (token is not null)
        {
            options.Token = ToSecureString(token);
        }
        else if (userName is not null && password is not null)
        {
            options.UserName = userName;
            options.Password = ToSecureString(password);
        }
        else if (userName is not null)
        {
            throw Invalid($"{UserNameVariable} is set but {PasswordVariable} is not.");
        }
        else if (password is not null)
        {
            throw Invalid($"{PasswordVariable} is set but {UserNameVariable} is not.");
        }
        else
        {
            throw Invalid($"{(account is not null ? AccountVariable : BaseUriVariable)} is set, but there are no credentials: set {TokenVariable}, or {UserNameVariable} and {PasswordVariable}.");
        }

        return options;
    }

    internal static SecureString ToSecureString(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }

    private static CubeException Invalid(string message) =>
        new(CubeErrorIds.InvalidEnvironment, CubeErrorCategory.InvalidArgument, message + " " + string.Format(
            CultureInfo.InvariantCulture,
            "CubePS reads {0} or {1}, plus {2} or {3} and {4}, when no Connect-Cube ran in this session.",
            AccountVariable,
            BaseUriVariable,
            TokenVariable,
            UserNameVariable,
            PasswordVariable))
        {
            RecommendedAction = "Fix the CUBE_* environment variables, or call Connect-Cube first.",
        };
}
