using System.Net;
using System.Reflection;
using System.Security.Authentication;
using CubePS.Loading;

namespace CubePS.Client.Tests;

/// <summary>
/// What keeps CubePS loadable on Windows PowerShell 5.1, checked here without it: the resolver's
/// decision over a table of requests, the TLS choice and the recognition of TLS failures.
/// </summary>
public class ResolvePolicyTests
{
    private const string Stj8 = "System.Text.Json, Version=8.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51";
    private const string Memory = "System.Memory, Version=4.0.1.2, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51";
    private const string Unsafe6 = "System.Runtime.CompilerServices.Unsafe, Version=6.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a";

    private static readonly string[] Own = { "CubePS", "CubePS.Client" };

    private static readonly AssemblyName[] Shipped = { new(Stj8), new(Memory), new(Unsafe6) };

    public static TheoryData<string, string, string?, string[], string, string?> Requests => new()
    {
        // case, requested, requester (null: the runtime did not say), already loaded, action, answer
        { "CubePS.Client asks for the System.Text.Json it was built with", Stj8, "CubePS.Client, Version=0.1.0.0", Array.Empty<string>(), "LoadShipped", Stj8 },
        { "CubePS.Client asks for an older System.Text.Json", "System.Text.Json, Version=6.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", "CubePS.Client, Version=0.1.0.0", Array.Empty<string>(), "LoadShipped", Stj8 },
        { "a shipped dependency asks for another at an older version", "System.Runtime.CompilerServices.Unsafe, Version=4.0.4.1, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a", Memory, Array.Empty<string>(), "LoadShipped", Unsafe6 },
        { "a foreign module asks for System.Text.Json 4.0.1.2", "System.Text.Json, Version=4.0.1.2, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", "Az.Accounts, Version=2.0.0.0", Array.Empty<string>(), "Decline", null },
        { "a foreign copy of a shipped name asks, at another version", "System.Runtime.CompilerServices.Unsafe, Version=4.0.4.1, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a", "System.Memory, Version=4.0.1.1, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", Array.Empty<string>(), "Decline", null },
        { "the same identity is already loaded by another module", Stj8, "CubePS.Client, Version=0.1.0.0", new[] { Stj8 }, "UseLoaded", Stj8 },
        { "a newer version is already loaded", Stj8, "CubePS.Client, Version=0.1.0.0", new[] { "System.Text.Json, Version=9.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51" }, "UseLoaded", "System.Text.Json, Version=9.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51" },
        { "only an older version is loaded", Stj8, "CubePS.Client, Version=0.1.0.0", new[] { "System.Text.Json, Version=6.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51" }, "LoadShipped", Stj8 },
        { "a version newer than shipped", "System.Text.Json, Version=9.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", "CubePS.Client, Version=0.1.0.0", Array.Empty<string>(), "Decline", null },
        { "another publisher's assembly of the same name", "System.Text.Json, Version=8.0.0.0, Culture=neutral, PublicKeyToken=b03f5f7f11d50a3a", "CubePS.Client, Version=0.1.0.0", Array.Empty<string>(), "Decline", null },
        { "an assembly CubePS does not ship", "Newtonsoft.Json, Version=13.0.0.0, Culture=neutral, PublicKeyToken=30ad4fe6b2a6aeed", "CubePS.Client, Version=0.1.0.0", Array.Empty<string>(), "Decline", null },
        { "nobody said who asks, for exactly what CubePS ships", Stj8, null, Array.Empty<string>(), "LoadShipped", Stj8 },
        { "nobody said who asks, for another version", "System.Text.Json, Version=6.0.0.0, Culture=neutral, PublicKeyToken=cc7b13ffcd2ddd51", null, Array.Empty<string>(), "Decline", null },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void Decides(string @case, string requested, string? requester, string[] loaded, string action, string? answer)
    {
        var decision = ResolvePolicy.Decide(
            new AssemblyName(requested),
            requester is null ? null : new AssemblyName(requester),
            Own,
            Shipped,
            loaded.Select(name => new AssemblyName(name)).ToArray(),
            out var chosen);

        Assert.True(action == decision.ToString(), @case + ": " + decision);
        Assert.Equal(answer, chosen?.FullName);
    }
}

public class TlsPolicyTests
{
    private const int SystemDefault = 0;
    private const int Ssl3AndTls10 = 48 | 192;
    private const int Tls10To12 = 192 | 768 | 3072;
    private const int Tls13Only = 12288;

    [Theory]
    [InlineData(false, Ssl3AndTls10, null)]
    [InlineData(true, SystemDefault, null)]
    [InlineData(true, Tls10To12, null)]
    [InlineData(true, Tls13Only, null)]
    [InlineData(true, Ssl3AndTls10, SslProtocols.Tls12 | TlsPolicy.Tls13)]
    [InlineData(true, 192, SslProtocols.Tls12 | TlsPolicy.Tls13)]
    public void Asks_for_TLS_1_2_and_1_3_only_where_the_process_allows_neither(bool isNetFramework, int processProtocols, SslProtocols? expected) =>
        Assert.Equal(expected, TlsPolicy.ForHandler(isNetFramework, processProtocols));

    [Fact]
    public void A_framework_without_TLS_1_3_gets_TLS_1_2() =>
        Assert.Equal(SslProtocols.Tls12, TlsPolicy.ForHandler(true, Ssl3AndTls10, withTls13: false));

    [Fact]
    public void Recognises_a_failed_handshake_however_it_is_wrapped()
    {
        var netCore = new HttpRequestException("The SSL connection could not be established.", new AuthenticationException("The remote certificate is invalid."));
        var netFramework = new HttpRequestException("An error occurred while sending the request.", new WebException("Could not create SSL/TLS secure channel.", WebExceptionStatus.SecureChannelFailure));
        var refused = new HttpRequestException("Connection refused", new WebException("Unable to connect", WebExceptionStatus.ConnectFailure));

        Assert.IsType<AuthenticationException>(TlsFailure.Find(netCore));
        Assert.IsType<WebException>(TlsFailure.Find(netFramework));
        Assert.Null(TlsFailure.Find(refused));
    }
}
