namespace CubePS;

/// <summary>How a connection proves who it is.</summary>
public enum CubeAuthenticationKind
{
    /// <summary>Header <c>Authorization: Token &lt;token&gt;</c>, recommended by Headshed.</summary>
    Token,

    /// <summary>HTTP Basic with the user's email and password.</summary>
    Basic,
}
