using System;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using CubePS.Connections;
using CubePS.Errors;

namespace CubePS;

/// <summary>
/// A Cube connection: where Cube is, the credentials, and request defaults. It owns one HttpClient,
/// made on first use and shared by every request and every runspace that uses the connection.
/// </summary>
/// <remarks>
/// The secret arrives as a SecureString, which keeps it out of PowerShell's history, transcripts
/// and variables. It is revealed once, when the connection is made, into the two places that need
/// it as text for the connection's lifetime: the Authorization header value sent with every
/// request, and the masker that takes it out of anything CubePS shows. Nothing else keeps it.
/// </remarks>
public sealed class Connection : IDisposable
{
    /// <summary>
    /// Requests of one connection under way at once by default, over all the calls and runspaces
    /// that share it (-ThrottleLimit; see <see cref="RequestSettings.DefaultThrottleLimit"/>). A
    /// request takes a slot before its timeout starts, so waiting for a slot is never counted as
    /// Cube being slow; pages and assignments read ahead take only slots nobody else is waiting for.
    /// </summary>

    private static readonly string UserAgent = string.Format(
        CultureInfo.InvariantCulture,
        "CubePS/{0} ({1})",
        typeof(Connection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0] ?? "0.0.0",
        RuntimeInformation.FrameworkDescription);

    private readonly object _clientGate = new();
    private readonly RequestGate _slots = new();
    private readonly string _authorizationHeader;
    private readonly NetworkCredential? _proxyCredential;
    private readonly Func<HttpMessageHandler>? _handlerFactory;
    private SharedClient? _client;

    private Connection(ConnectionOptions options, Func<HttpMessageHandler>? handlerFactory)
    {
        _handlerFactory = handlerFactory;

        // Each ArgumentException's message reaches the user as it is, so none names a .NET parameter.
        if (options.Account is not null && options.BaseUri is not null)
        {
            throw new ArgumentException("Give either an account name or a base URI, not both.");
        }

        if (options.Account is not null)
        {
            Account = options.Account.ToLowerInvariant();
            BaseUri = CubeEndpoint.FromAccount(options.Account);
        }
        else if (options.BaseUri is not null)
        {
            BaseUri = CubeEndpoint.NormalizeBaseUri(options.BaseUri);
        }
        else
        {
            throw new ArgumentException("Give an account name or a base URI.");
        }

        string secret;
        if (options.Token is not null)
        {
            if (options.UserName is not null || options.Password is not null)
            {
                throw new ArgumentException("Give either a token or a user name and password, not both.");
            }

            AuthenticationKind = CubeAuthenticationKind.Token;
            secret = SecretText.Reveal(options.Token);
            if (SecretRules.CheckToken(secret) is { } problem)
            {
                throw new ArgumentException(problem);
            }

            _authorizationHeader = "Token " + secret;
        }
        else if (options.UserName is not null && options.Password is not null)
        {
            if (SecretRules.CheckUserName(options.UserName) is { } userProblem)
            {
                throw new ArgumentException(userProblem);
            }

            AuthenticationKind = CubeAuthenticationKind.Basic;
            UserName = options.UserName;
            secret = SecretText.Reveal(options.Password);
            if (SecretRules.CheckPassword(secret) is { } problem)
            {
                throw new ArgumentException(problem);
            }

            _authorizationHeader = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(UserName + ":" + secret));
        }
        else
        {
            throw new ArgumentException("Give a token, or a user name and password.");
        }

        if (BaseUri.Scheme == Uri.UriSchemeHttp && !CubeEndpoint.IsLoopback(BaseUri) && !options.AllowUnencryptedAuthentication)
        {
            throw new CubeException(
                CubeErrorIds.UnencryptedAuthentication,
                CubeErrorCategory.SecurityError,
                string.Format(
                    CultureInfo.InvariantCulture,
                    "{0} is plain http on a host that is not this machine, so the {1} would cross the network unencrypted. Use https, or {2} if you accept that.",
                    BaseUri.GetLeftPart(UriPartial.Authority),
                    AuthenticationKind == CubeAuthenticationKind.Token ? "token" : "password",
                    // The CUBE_* variables have no such switch: only Connect-Cube can accept plain http.
                    options.Source == "Connect-Cube" ? "add -AllowUnencryptedAuthentication" : "connect with Connect-Cube -AllowUnencryptedAuthentication (the CUBE_* variables cannot allow it)"),
                BaseUri)
            {
                RecommendedAction = "Use an https:// base URI.",
            };
        }

        if (options.ProxyCredential is not null && options.Proxy is null)
        {
            throw new ArgumentException("A proxy credential needs a proxy: give -Proxy as well.");
        }

        RequestSettings = options.RequestSettings;
        Proxy = options.Proxy;
        _proxyCredential = options.ProxyCredential;
        SkipCertificateCheck = options.SkipCertificateCheck;
        AllowUnencryptedAuthentication = options.AllowUnencryptedAuthentication;
        Source = options.Source;
        Masker = new SecretMasker(new[]
        {
            secret,
            AuthenticationKind == CubeAuthenticationKind.Basic ? _authorizationHeader.Substring("Basic ".Length) : null,
            _proxyCredential?.Password,
        });
    }

    /// <summary>The address that routes are appended to, always ending in '/'.</summary>
    public Uri BaseUri { get; }

    /// <summary>The account name when the connection was made with -Account.</summary>
    public string? Account { get; }

    public CubeAuthenticationKind AuthenticationKind { get; }

    /// <summary>The user name of a Basic connection; null for a token.</summary>
    public string? UserName { get; }

    public int TimeoutSec => RequestSettings.TimeoutSec;

    public int MaximumRetryCount => RequestSettings.MaximumRetryCount;

    public int RetryIntervalSec => RequestSettings.RetryIntervalSec;

    /// <summary>Requests in flight to Cube at once, at most, for a call on this connection that gives no -ThrottleLimit of its own.</summary>
    public int ThrottleLimit => RequestSettings.ThrottleLimit;

    public Uri? Proxy { get; }

    /// <summary>
    /// Without -Proxy: the proxy the system's settings give for <see cref="BaseUri"/> (HTTPS_PROXY,
    /// HTTP_PROXY, ALL_PROXY and NO_PROXY; on Windows, Internet Options), scheme, host and port
    /// only (never its user info); null when there is none or -Proxy is given.
    /// </summary>
    public Uri? SystemProxy
    {
        get
        {
            if (Proxy is not null || !Connections.SystemProxy.TryFind(BaseUri, BaseUri, out var proxy) || proxy is null)
            {
                return null;
            }

            return new UriBuilder(proxy.Scheme, proxy.Host, proxy.Port).Uri;
        }
    }

    public bool SkipCertificateCheck { get; }

    public bool AllowUnencryptedAuthentication { get; }

    /// <summary>"Connect-Cube" or "Environment".</summary>
    public string Source { get; }

    /// <summary>The request defaults of this connection.</summary>
    internal RequestSettings RequestSettings { get; }

    internal SecretMasker Masker { get; }

    /// <summary>The Authorization header value sent with every request.</summary>
    internal string AuthorizationHeader => _authorizationHeader;

    /// <summary>Why this connection could not ask for the TLS versions it needs, when it could not; said in TLS errors.</summary>
    internal string? TlsLimitation { get; private set; }

    /// <summary>True when -ProxyCredential was given (the proxy refusing it is then the likely fault).</summary>
    internal bool HasProxyCredential => _proxyCredential is not null;

    /// <summary>The proxy requests go through, in words fit for the start of a message (no user info).</summary>
    internal string ProxyDescription => (Proxy ?? SystemProxy) is { } proxy
        ? (Proxy is null ? "The system's proxy " : "The proxy ") + proxy.Scheme + "://" + proxy.Authority
        : "The system's proxy";

    /// <summary>" through the proxy ..." when requests go through a proxy (given or the system's), else empty: for messages about reaching Cube.</summary>
    internal string ThroughProxy => (Proxy ?? SystemProxy) is null ? string.Empty : " through " + char.ToLowerInvariant(ProxyDescription[0]) + ProxyDescription.Substring(1);

    /// <summary>Who the connection acts as, in words fit for a message.</summary>
    internal string Identity => AuthenticationKind == CubeAuthenticationKind.Token ? "the token" : "user " + UserName;

    public override string ToString() => string.Format(
        CultureInfo.InvariantCulture,
        "{0} ({1}{2})",
        BaseUri,
        AuthenticationKind,
        UserName is null ? string.Empty : ", " + UserName);

    /// <summary>
    /// Closes the sockets. Requests under way finish on them first; using the connection again
    /// opens new ones.
    /// </summary>
    public void Dispose()
    {
        SharedClient? retired;
        lock (_clientGate)
        {
            retired = _client;
            _client = null;
            if (retired is not null)
            {
                retired.IsRetired = true;
                if (retired.Users > 0)
                {
                    // The last request to finish closes it.
                    retired = null;
                }
            }
        }

        retired?.Client.Dispose();
    }

    /// <summary>Makes a connection, checking the options; the secrets are copied.</summary>
    internal static Connection Create(ConnectionOptions options) => new(options, null);

    /// <summary>A connection that sends its requests through <paramref name="handlerFactory"/> (tests).</summary>
    internal static Connection Create(ConnectionOptions options, Func<HttpMessageHandler> handlerFactory) => new(options, handlerFactory);

    /// <summary>Requests of this connection in flight now, and the most there were at once.</summary>
    internal RequestGate Slots => _slots;

    /// <summary>The gate every request of this connection passes, which a rate limit or an outage closes for all of them.</summary>
    internal Http.RateGate RateGate { get; } = new();

    /// <summary>True when, under <paramref name="limit"/>, more than <paramref name="reserve"/> request slots are free now and nobody waits (for reading ahead).</summary>
    internal bool HasFreeSlots(int limit, int reserve) => _slots.HasFree(limit, reserve);

    /// <summary>
    /// Waits until fewer than <paramref name="limit"/> requests of this connection are in flight,
    /// and returns the slot with the shared client, made on first use. The lease keeps the client
    /// open until it is disposed, even when the connection is closed meanwhile.
    /// </summary>
    internal async Task<RequestLease> AcquireRequestAsync(int limit, CancellationToken cancellationToken)
    {
        await _slots.EnterAsync(limit, cancellationToken).ConfigureAwait(false);
        try
        {
            SharedClient client;
            lock (_clientGate)
            {
                client = _client ??= new SharedClient(CreateClient());
                client.Users++;
            }

            return new RequestLease(this, client);
        }
        catch
        {
            _slots.Leave();
            throw;
        }
    }

    private void Return(SharedClient client)
    {
        bool close;
        lock (_clientGate)
        {
            client.Users--;
            close = client.IsRetired && client.Users == 0;
        }

        if (close)
        {
            client.Client.Dispose();
        }

        _slots.Leave();
    }

    private HttpClient CreateClient()
    {
        HttpMessageHandler handler;
        if (_handlerFactory is not null)
        {
            handler = _handlerFactory();
        }
        else
        {
            // Twice the most slots a call may ask for: a connection on its way back to the pool never
            // makes a request wait (the gate, not the handler, bounds what is in flight).
            handler = HttpHandlerFactory.Create(Proxy, _proxyCredential, CubeEndpoint.IsLoopback(BaseUri), SkipCertificateCheck, 2 * RequestSettings.MaximumThrottleLimit, out var tlsLimitation);
            TlsLimitation = tlsLimitation;
        }

        var client = new HttpClient(handler, disposeHandler: true)
        {
            // A timeout bounds each request from its sending to the last byte of its reply, without
            // the wait for a request slot: RequestSender and TimeoutReadStream enforce it.
            Timeout = Timeout.InfiniteTimeSpan,
        };
        client.DefaultRequestHeaders.Accept.ParseAdd("application/json");
        client.DefaultRequestHeaders.UserAgent.ParseAdd(UserAgent);

        // The handler asks for these itself; named here too, so that Debug shows what is sent.
        client.DefaultRequestHeaders.AcceptEncoding.ParseAdd("gzip");
        client.DefaultRequestHeaders.AcceptEncoding.ParseAdd("deflate");
        return client;
    }

    /// <summary>One HttpClient and the requests using it.</summary>
    internal sealed class SharedClient
    {
        public SharedClient(HttpClient client) => Client = client;

        public HttpClient Client { get; }

        public int Users { get; set; }

        /// <summary>The connection was closed: the client goes when its last user does.</summary>
        public bool IsRetired { get; set; }
    }

    /// <summary>A request slot and the client to send with; disposing gives both back.</summary>
    internal sealed class RequestLease : IDisposable
    {
        private readonly Connection _connection;
        private readonly SharedClient _client;
        private int _disposed;

        public RequestLease(Connection connection, SharedClient client)
        {
            _connection = connection;
            _client = client;
        }

        public HttpClient Client => _client.Client;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                _connection.Return(_client);
            }
        }
    }
}
