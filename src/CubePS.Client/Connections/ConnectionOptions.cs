using System;
using System.Net;
using System.Security;

namespace CubePS.Connections;

/// <summary>What a connection is made from: Connect-Cube's parameters or the CUBE_* environment variables.</summary>
internal sealed class ConnectionOptions
{
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
}
