using System.Net;
using System.Reflection;
using CubePS.Customers;
using CubePS.Http;
using CubePS.Loading;

namespace CubePS.Client.Tests;

public class RetryPolicyTests
{
    [Theory]
    [InlineData(1, 2, 2.0, 3.0)]
    [InlineData(2, 2, 4.0, 6.0)]
    [InlineData(3, 2, 8.0, 12.0)]
    [InlineData(1, 0, 0.0, 0.0)]
    public void Backoff_doubles_per_retry_with_up_to_half_again_of_jitter(int retry, int intervalSec, double min, double max)
    {
        var low = RetryPolicy.ComputeDelay(retry, TimeSpan.FromSeconds(intervalSec), null, 0.0);
        var high = RetryPolicy.ComputeDelay(retry, TimeSpan.FromSeconds(intervalSec), null, 0.999999);

        Assert.Equal(min, low.TotalSeconds, 3);
        Assert.InRange(high.TotalSeconds, min, max);
    }

    [Fact]
    public void No_wait_is_longer_than_the_cap()
    {
        Assert.Equal(RequestSettings.MaximumRetryWait, RetryPolicy.ComputeDelay(20, TimeSpan.FromSeconds(10), null, 0.5));
        Assert.Equal(RequestSettings.MaximumRetryWait, RetryPolicy.ComputeDelay(1, TimeSpan.Zero, TimeSpan.FromDays(1), 0.5));
        Assert.Equal(TimeSpan.Zero, RetryPolicy.ComputeDelay(1, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(-3), 0.5));
    }

    [Theory]
    [InlineData(408, true)]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(400, false)]
    [InlineData(401, false)]
    [InlineData(403, false)]
    [InlineData(404, false)]
    [InlineData(501, false)]
    public void Only_statuses_that_say_try_later_are_retried(int status, bool retried) =>
        Assert.Equal(retried, RetryPolicy.IsRetryableStatus(status));
}

public class SecretMaskerTests
{
    [Fact]
    public void Secrets_are_masked_as_they_are_and_URL_encoded()
    {
        var masker = new SecretMasker(new[] { "s3cr3t/+=", null, "" });

        Assert.Equal("token *** and ***", masker.MaskText("token s3cr3t/+= and " + Uri.EscapeDataString("s3cr3t/+=")));
    }

    [Fact]
    public void Secret_looking_query_values_and_user_info_are_masked_in_URIs()
    {
        var shown = new SecretMasker(Array.Empty<string>()).MaskUri(new Uri("https://user:pw@acme.headshed.com/x?page=2&api_key=abc&access_token=def&Signature=ghi"));

        Assert.Equal("https://***@acme.headshed.com/x?page=2&api_key=***&access_token=***&Signature=***", shown);
    }
}

public class EndpointTests
{
    [Theory]
    [InlineData("acme", null)]
    [InlineData("Acme-2", null)]
    [InlineData("", "empty")]
    [InlineData("acme.headshed.com", "one DNS label")]
    [InlineData("-acme", "one DNS label")]
    [InlineData("ac me", "one DNS label")]
    [InlineData("https://acme", "one DNS label")]
    public void Account_names_are_single_host_labels(string account, string? problem)
    {
        var found = CubeEndpoint.ValidateAccount(account);
        if (problem is null)
        {
            Assert.Null(found);
            Assert.Equal("https://" + account.ToLowerInvariant() + ".headshed.com/", CubeEndpoint.FromAccount(account).AbsoluteUri);
        }
        else
        {
            Assert.Contains(problem, found);
        }
    }

    [Theory]
    [InlineData("https://acme.headshed.com", null)]
    [InlineData("http://127.0.0.1:5000/", null)]
    [InlineData("ftp://acme.headshed.com", "not an http or https")]
    [InlineData("https://u:p@acme.headshed.com", "user name or password")]
    [InlineData("https://acme.headshed.com/?x=1", "query or fragment")]
    public void Base_URIs_are_absolute_http_addresses_without_extras(string uri, string? problem)
    {
        var found = CubeEndpoint.ValidateBaseUri(new Uri(uri));
        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found);
        }
    }

    [Fact]
    public void A_relative_base_URI_is_refused() =>
        Assert.Contains("relative", CubeEndpoint.ValidateBaseUri(new Uri("cube/api", UriKind.Relative)));

    [Theory]
    [InlineData("http://localhost:1", true)]
    [InlineData("http://127.0.0.1:1", true)]
    [InlineData("http://127.9.9.9", true)]
    [InlineData("http://[::1]:8080", true)]
    [InlineData("http://cube.local", false)]
    [InlineData("http://10.0.0.1", false)]
    public void Loopback_hosts_are_recognised(string uri, bool loopback) =>
        Assert.Equal(loopback, CubeEndpoint.IsLoopback(new Uri(uri)));

    [Fact]
    public void The_customer_route_appends_to_the_base_path() =>
        Assert.Equal(
            "https://h.example/a/b/crm/assignment_id/42/customers",
            CubeEndpoint.CustomersUri(CubeEndpoint.NormalizeBaseUri(new Uri("https://h.example/a/b")), 42).AbsoluteUri);
}

public class EnvironmentTests
{
    private static ConnectionOptions? Read(params (string Name, string Value)[] variables) =>
        ConnectionVariables.Read(name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void Nothing_set_means_no_connection() => Assert.Null(Read());

    [Fact]
    public void Account_and_token_describe_a_token_connection()
    {
        var options = Read(("CUBE_ACCOUNT", "acme"), ("CUBE_TOKEN", "t0ken-value"))!;
        using var connection = Connection.Create(options);

        Assert.Equal("https://acme.headshed.com/", connection.BaseUri.AbsoluteUri);
        Assert.Equal(CubeAuthenticationKind.Token, connection.AuthenticationKind);
        Assert.Equal("Environment", connection.Source);
    }

    [Fact]
    public void Base_URI_user_and_password_describe_a_basic_connection()
    {
        var options = Read(("CUBE_BASE_URI", "http://127.0.0.1:5000"), ("CUBE_USERNAME", "agent@example.com"), ("CUBE_PASSWORD", "pw-æøå"))!;
        using var connection = Connection.Create(options);

        Assert.Equal(CubeAuthenticationKind.Basic, connection.AuthenticationKind);
        Assert.Equal("agent@example.com", connection.UserName);
    }

    [Theory]
    [InlineData("CUBE_ACCOUNT=acme;CUBE_BASE_URI=https://x.example;CUBE_TOKEN=abc", "Both CUBE_BASE_URI and CUBE_ACCOUNT")]
    [InlineData("CUBE_TOKEN=abc", "says which Cube")]
    [InlineData("CUBE_ACCOUNT=acme", "no credentials")]
    [InlineData("CUBE_ACCOUNT=acme;CUBE_TOKEN=abc;CUBE_USERNAME=u", "either the token")]
    [InlineData("CUBE_ACCOUNT=acme;CUBE_USERNAME=u", "CUBE_PASSWORD is not")]
    [InlineData("CUBE_ACCOUNT=acme;CUBE_PASSWORD=p", "CUBE_USERNAME is not")]
    [InlineData("CUBE_ACCOUNT=acme.headshed.com;CUBE_TOKEN=abc", "one DNS label")]
    [InlineData("CUBE_BASE_URI=not a uri;CUBE_TOKEN=abc", "not an absolute URI")]
    [InlineData("CUBE_BASE_URI=ftp://x.example;CUBE_TOKEN=abc", "not an http or https")]
    public void Variables_that_do_not_describe_one_connection_are_CubeInvalidEnvironment(string variables, string problem)
    {
        var pairs = variables.Split(';').Select(v => v.Split('=', 2)).Select(p => (p[0], p[1])).ToArray();
        var error = Assert.Throws<CubeException>(() => Read(pairs));

        Assert.Equal(CubeErrorIds.InvalidEnvironment, error.ErrorId);
        Assert.Contains(problem, error.Message);
    }
}

public class ConnectionTests
{
    [Fact]
    public void Plain_http_to_another_host_is_refused_unless_allowed()
    {
        var options = new ConnectionOptions { BaseUri = new Uri("http://cube.example.com"), Token = FakeCube.Secure("abcdef") };
        var error = Assert.Throws<CubeException>(() => Connection.Create(options));
        Assert.Equal(CubeErrorIds.UnencryptedAuthentication, error.ErrorId);
        Assert.Equal(CubeErrorCategory.SecurityError, error.Category);

        options.AllowUnencryptedAuthentication = true;
        using var allowed = Connection.Create(options);
        Assert.True(allowed.AllowUnencryptedAuthentication);
    }

    [Fact]
    public void Plain_http_to_this_machine_is_allowed()
    {
        using var connection = Connection.Create(new ConnectionOptions { BaseUri = new Uri("http://127.0.0.1:8080"), Token = FakeCube.Secure("abcdef") });
        Assert.Equal("http://127.0.0.1:8080/", connection.BaseUri.AbsoluteUri);
    }

    [Fact]
    public void Nothing_a_connection_shows_holds_the_secret()
    {
        using var connection = Connection.Create(new ConnectionOptions { Account = "acme", UserName = "u@example.com", Password = FakeCube.Secure("pa55word!") });
        var shown = connection.ToString() + string.Join("|", typeof(Connection).GetProperties().Select(p => p.GetValue(connection)?.ToString()));

        Assert.DoesNotContain("pa55word!", shown);
        Assert.Contains("u@example.com", connection.ToString());
    }

    [Theory]
    [InlineData(" padded ")]
    [InlineData("new\nline")]
    public void A_token_with_spaces_or_control_characters_is_refused(string token) =>
        Assert.Throws<ArgumentException>(() => Connection.Create(new ConnectionOptions { Account = "acme", Token = FakeCube.Secure(token) }));

    [Fact]
    public void A_proxy_credential_needs_a_proxy() =>
        Assert.Throws<ArgumentException>(() => Connection.Create(new ConnectionOptions { Account = "acme", Token = FakeCube.Secure("abcdef"), ProxyCredential = new NetworkCredential("p", "q") }));

    [Fact]
    public void The_secret_is_copied_so_later_changes_to_the_callers_SecureString_do_not_matter()
    {
        var token = new System.Security.SecureString();
        foreach (var c in "abcdef")
        {
            token.AppendChar(c);
        }

        using var connection = Connection.Create(new ConnectionOptions { Account = "acme", Token = token });
        token.Clear();
        Assert.Equal("Token abcdef", connection.AuthorizationHeader);
    }
}

public class PagePredictorTests
{
    [Fact]
    public void Page_number_links_are_predicted_up_to_the_last_page()
    {
        var predictor = PagePredictor.TryCreate(new Uri("https://h.example/c/?page=2&size=10"), firstPageRecords: 10, count: 95)!;

        Assert.Equal(10, predictor.LastPage);
        Assert.Equal("https://h.example/c/?page=7&size=10", predictor.UriFor(7).AbsoluteUri);
        Assert.True(predictor.Predicts(3, new Uri("https://h.example/c/?page=3&size=10")));
        Assert.False(predictor.Predicts(3, new Uri("https://h.example/c/?page=3&size=11")));
        Assert.False(predictor.Predicts(11, new Uri("https://h.example/c/?page=11&size=10")));
    }

    [Theory]
    [InlineData("https://h.example/c/?cursor=abc", 95L)]
    [InlineData("https://h.example/c/?page=3", 95L)]
    [InlineData("https://h.example/c/?page=2", null)]
    [InlineData("https://h.example/c/?page=2&page=2", 95L)]
    public void Other_links_are_not_predicted(string next, long? count) =>
        Assert.Null(PagePredictor.TryCreate(new Uri(next), 10, count));
}
