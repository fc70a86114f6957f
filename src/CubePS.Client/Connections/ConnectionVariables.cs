using System;
using System.Globalization;
using CubePS.Errors;

namespace CubePS.Connections;

/// <summary>
/// The CUBE_* environment variables that describe a connection for unattended runs (runbooks,
/// scheduled tasks, CI) when no Connect-Cube ran in the session.
/// </summary>
internal static class ConnectionVariables
{
    public const string BaseUri = "CUBE_BASE_URI";
    public const string Account = "CUBE_ACCOUNT";
    public const string Token = "CUBE_TOKEN";
    public const string UserName = "CUBE_USERNAME";
    public const string Password = "CUBE_PASSWORD";

    /// <summary>
    /// The options the variables describe. Returns null when none is set; throws
    /// CubeInvalidEnvironment when they are set but do not describe one connection.
    /// </summary>
    public static ConnectionOptions? Read(Func<string, string?> getVariable)
    {
        string? ReadTrimmed(string name)
        {
            var value = getVariable(name);
            return string.IsNullOrWhiteSpace(value) ? null : value!.Trim();
        }

        string? ReadExact(string name)
        {
            // Secrets are taken as they are: trimming would hide a stray space that Cube would refuse.
            var value = getVariable(name);
            return string.IsNullOrEmpty(value) ? null : value;
        }

        var baseUri = ReadTrimmed(BaseUri);
        var account = ReadTrimmed(Account);
        var token = ReadExact(Token);
        var userName = ReadTrimmed(UserName);
        var password = ReadExact(Password);

        if (baseUri is null && account is null && token is null && userName is null && password is null)
        {
            return null;
        }

        var options = new ConnectionOptions { Source = "Environment" };
        if (baseUri is not null && account is not null)
        {
            throw Invalid($"Both {BaseUri} and {Account} are set; set only one of them.");
        }

        if (baseUri is null && account is null)
        {
            throw Invalid($"{Token} or {UserName} is set, but neither {Account} nor {BaseUri} says which Cube to use.");
        }

        if (account is not null)
        {
            var problem = CubeEndpoint.ValidateAccount(account);
            if (problem is not null)
            {
                throw Invalid($"{Account}: {problem}");
            }

            options.Account = account;
        }
        else
        {
            if (!Uri.TryCreate(baseUri, UriKind.Absolute, out var parsed))
            {
                throw Invalid($"{BaseUri} is not an absolute URI: '{SecretMasker.MaskRefusedUriText(baseUri ?? string.Empty)}'.");
            }

            var problem = CubeEndpoint.ValidateBaseUri(parsed);
            if (problem is not null)
            {
                throw Invalid($"{BaseUri}: {problem}");
            }

            options.BaseUri = parsed;
        }

        if (token is not null && (userName is not null || password is not null))
        {
            throw Invalid($"Both {Token} and {UserName}/{Password} are set; set either the token or the user name and password.");
        }

        if (token is not null)
        {
            if (SecretRules.CheckToken(token) is { } problem)
            {
                throw Invalid($"{Token}: {problem}");
            }

            options.Token = SecretText.Protect(token);
        }
        else if (userName is not null && password is not null)
        {
            if ((SecretRules.CheckUserName(userName) ?? SecretRules.CheckPassword(password)) is { } problem)
            {
                throw Invalid($"{UserName}/{Password}: {problem}");
            }

            options.UserName = userName;
            options.Password = SecretText.Protect(password);
        }
        else if (userName is not null)
        {
            throw Invalid($"{UserName} is set but {Password} is not.");
        }
        else if (password is not null)
        {
            throw Invalid($"{Password} is set but {UserName} is not.");
        }
        else
        {
            throw Invalid($"{(account is not null ? Account : BaseUri)} is set, but there are no credentials: set {Token}, or {UserName} and {Password}.");
        }

        return options;
    }

    public static CubeException Invalid(string message) =>
        new(CubeErrorIds.InvalidEnvironment, CubeErrorCategory.InvalidArgument, message + " " + string.Format(
            CultureInfo.InvariantCulture,
            "CubePS reads {0} or {1}, plus {2} or {3} and {4}, when no Connect-Cube ran in this session.",
            Account,
            BaseUri,
            Token,
            UserName,
            Password))
        {
            RecommendedAction = "Fix the CUBE_* environment variables, or call Connect-Cube first.",
        };
}
