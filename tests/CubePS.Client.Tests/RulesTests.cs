using System.Net;
using System.Reflection;
using System.Text;
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

    [Theory]
    [InlineData("a%2fb%2bc", "a/b+c")]
    [InlineData("a%2Fb%2Bc", "a/b+c")]
    [InlineData("%61%2f%62%2B%63", "a/b+c")]
    [InlineData("%61%2F%62%2b%63", "a/b+c")]
    [InlineData("h%C3%A6mmelig", "hæmmelig")]
    [InlineData("h%c3%a6mmelig", "hæmmelig")]
    [InlineData("h\\u00e6mmelig", "hæmmelig")]
    [InlineData("h\\u00E6mmelig", "hæmmelig")]
    [InlineData("two+words", "two words")]
    [InlineData("two%20words", "two words")]
    [InlineData("P\u00e4\tss+w\u00f6rd", "P\u00e4 ss+w\u00f6rd")]
    [InlineData("P\u00e4\r\n  ss+w\u00f6rd", "P\u00e4 ss+w\u00f6rd")]
    [InlineData("P%E4%20ss%2Bw%F6rd", "P\u00e4 ss+w\u00f6rd")]
    [InlineData("SEKRIT-tok3n%252F%252B%253D", "SEKRIT-tok3n/+=")]
    [InlineData("SEKRIT-tok3n%252f%252b%253d", "SEKRIT-tok3n/+=")]
    [InlineData("U0VLUklULXRvazNuLys9", "SEKRIT-tok3n/+=")]
    [InlineData("U0VLUklULXRvazNuLysr", "SEKRIT-tok3n/++")]
    [InlineData("U0VLUklULXRvazNuLy0t", "SEKRIT-tok3n/--")]
    [InlineData("c2VjcmV0LXRva2Vu", "secret-token")]
    [InlineData("U0VLUklUP3Q_", "SEKRIT?t?")]
    [InlineData("U0VLUklUP3Q-", "SEKRIT?t>")]
    public void Every_spelling_a_URL_or_JSON_can_give_a_secret_is_masked(string spelled, string secret)
    {
        var masker = new SecretMasker(new[] { secret });

        Assert.Equal("next: https://h.example/x?q=*** end", masker.MaskText("next: https://h.example/x?q=" + spelled + " end"));
        if (!spelled.Contains('\\', StringComparison.Ordinal) && !spelled.Any(char.IsWhiteSpace))
        {
            // A JSON escape is a spelling of replies, not of URLs.
            Assert.Equal("https://h.example/x?page=2&t=***", masker.MaskUri(new Uri("https://h.example/x?page=2&t=" + spelled)));
        }
    }

    [Theory]
    [InlineData("Sec\\/ret+To&ken\\\"Q<9z")]
    [InlineData("Sec/ret+To&amp;ken&quot;Q&lt;9z")]
    [InlineData("Sec&#47;ret&#43;To&#38;ken&#34;Q&#60;9z")]
    [InlineData("Sec&#x2F;ret&#x2b;To&#X26;ken&#x22;Q&#x3C;9z")]
    [InlineData("&#83;&#101;&#99;/ret+To&ken\"Q<9z")]
    public void Every_spelling_a_JSON_error_or_a_web_page_can_give_a_secret_is_masked(string spelled)
    {
        var masker = new SecretMasker(new[] { "Sec/ret+To&ken\"Q<9z" });

        Assert.Equal("{\"detail\": \"Invalid token *** here\"}", masker.MaskText("{\"detail\": \"Invalid token " + spelled + " here\"}"));
    }

    [Fact]
    public void A_reply_is_masked_before_its_whitespace_is_collapsed()
    {
        var masker = new SecretMasker(new[] { "pa\tss  word" });
        var reply = Encoding.UTF8.GetBytes("{\"error\": \"bad password pa\tss  word\"}");

        Assert.Equal("{\"error\": \"bad password ***\"}", ReplyText.Summarize(reply, reply.Length, masker, cutShort: false));
    }

    [Theory]
    [InlineData("error: Xy9/Qz+K\nt=Wm&<p-7f3a")]
    [InlineData("error: Xy9/Qz+K\r\n  t=Wm&<p-7f3a")]
    [InlineData("error: X y 9 / Q z + K t = W m & < p - 7 f 3 a")]
    [InlineData("error: Xy9/Qz+K\\nt=Wm&<p-7f3a")]
    [InlineData("error: Xy9/Qz+K\\u000at=Wm&<p-7f3a")]
    [InlineData("error: Xy9/Qz+K<br>t=Wm&<p-7f3a")]
    [InlineData("error: Xy9/Qz+K<BR />\nt=Wm&<p-7f3a")]
    [InlineData("error: Xy9/Qz+K&#10;t=Wm&<p-7f3a")]
    [InlineData("error: Xy9/Qz+K-\nt=Wm&<p-7f3a")]
    public void A_secret_that_a_reply_wraps_in_the_middle_is_masked_whole(string text)
    {
        var masker = new SecretMasker(new[] { "Xy9/Qz+Kt=Wm&<p-7f3a" });
        var reply = Encoding.UTF8.GetBytes(text);

        Assert.Equal("error: ***", ReplyText.Summarize(reply, reply.Length, masker, cutShort: false));
    }

    [Fact]
    public void A_password_with_spaces_wrapped_at_its_space_is_still_masked()
    {
        var masker = new SecretMasker(new[] { "correct horse battery" });

        Assert.Equal("bad ***.", masker.MaskText("bad correct\nhorse \t battery."));
    }

    [Fact]
    public void A_reply_cut_off_inside_a_secret_shows_none_of_it()
    {
        const string Token = "abcdefghijklmnopqrstuvwxyz0123456789";
        var masker = new SecretMasker(new[] { Token });
        var reply = Encoding.UTF8.GetBytes("<html><body>Login failed for token " + Token + "</body></html>");

        // Read only as far as the middle of the token, as a reply's head is.
        var cut = Array.IndexOf(reply, (byte)'a', 30) + 10;
        var shown = ReplyText.Summarize(reply, cut, masker, cutShort: true);

        Assert.DoesNotContain("abcdefgh", shown, StringComparison.Ordinal);
        Assert.EndsWith("…", shown, StringComparison.Ordinal);
    }

    [Fact]
    public void Masking_a_hostile_link_takes_linear_time()
    {
        var masker = new SecretMasker(new[] { "cube-simulator-token" });
        var hostile = "https://h.example/x?" + new string('k', 200_000) + "token" + new string('=', 50_000);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        var shown = masker.MaskUri(new Uri(hostile));

        Assert.StartsWith("https://h.example/x?kkk", shown);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "masking took " + watch.Elapsed);
    }

    [Fact]
    public void Secret_looking_query_values_and_user_info_are_masked_in_URIs()
    {
        var shown = new SecretMasker(Array.Empty<string>()).MaskUri(new Uri("https://user:pw@acme.headshed.com/x?page=2&api_key=abc&access_token=def&Signature=ghi"));

        Assert.Equal("https://***@acme.headshed.com/x?page=2&api_key=***&access_token=***&Signature=***", shown);
    }

    [Theory]
    [InlineData("assignmentId", false)]
    [InlineData("assignment_id", false)]
    [InlineData("designation", false)]
    [InlineData("page", false)]
    [InlineData("accessToken", true)]
    [InlineData("apikey", true)]
    [InlineData("X-Amz-Signature", true)]
    [InlineData("sessionid", true)]
    [InlineData("sig", true)]
    [InlineData("Authorization", true)]
    [InlineData("client_secret2", true)]
    public void Query_parameter_names_are_judged_by_their_words(string name, bool masked)
    {
        var shown = new SecretMasker(Array.Empty<string>()).MaskUri(new Uri("https://acme.headshed.com/x?" + name + "=value42"));

        Assert.Equal(!masked, shown.Contains("value42"));
    }
}

public class SecretRulesTests
{
    [Theory]
    [InlineData("cube-simulator-token", null)]
    [InlineData("abcd", null)]
    [InlineData("abc", "shorter than 4")]
    [InlineData("", "empty")]
    [InlineData("abc def", "a space at position 4 of 7")]
    [InlineData(" abcdef", "a space at position 1")]
    [InlineData("abcdef\n", "a control character")]
    [InlineData("abcdæf", "a character outside ASCII at position 5")]
    public void Tokens_are_visible_ASCII_and_long_enough_to_mask(string token, string? problem)
    {
        var found = SecretRules.CheckToken(token.Replace("\\n", "\n", StringComparison.Ordinal));

        if (problem is null)
        {
            Assert.Null(found);
        }
        else
        {
            Assert.Contains(problem, found);
            if (token.Trim().Length > 0)
            {
                Assert.DoesNotContain(token.Trim(), found!, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void A_short_password_is_refused_and_any_characters_are_allowed()
    {
        Assert.Contains("shorter than 4", SecretRules.CheckPassword("æø"));
        Assert.Null(SecretRules.CheckPassword("hemmelig æøå \t 1"));
    }

    [Fact]
    public void Every_secret_a_connection_accepts_is_masked()
    {
        using var connection = Connection.Create(new ConnectionOptions { BaseUri = new Uri(FakeCube.BaseUri), Token = FakeCube.Secure("abcd") });

        Assert.Equal("x *** y", connection.Masker.MaskText("x abcd y"));
    }

    [Fact]
    public void A_CUBE_TOKEN_that_cannot_be_a_token_is_CubeInvalidEnvironment_naming_the_variable()
    {
        var error = Assert.Throws<CubeException>(() => ConnectionVariables.Read(name => name switch { "CUBE_ACCOUNT" => "acme", "CUBE_TOKEN" => "abc def ghi", _ => null }));

        Assert.Equal(CubeErrorIds.InvalidEnvironment, error.ErrorId);
        Assert.Contains("CUBE_TOKEN: The token has a space at position 4", error.Message);
        Assert.DoesNotContain("abc def ghi", error.Message);
    }
}

public class NumberTests
{
    [Theory]
    [InlineData("42", typeof(long), "42")]
    [InlineData("-9223372036854775808", typeof(long), "-9223372036854775808")]
    [InlineData("9223372036854775808", typeof(System.Numerics.BigInteger), "9223372036854775808")]
    [InlineData("1234567890123456789012345678901234567890", typeof(System.Numerics.BigInteger), "1234567890123456789012345678901234567890")]
    [InlineData("1.10", typeof(decimal), "1.10")]
    [InlineData("-0.5", typeof(decimal), "-0.5")]
    [InlineData("0.1234567890123456789012345678901", typeof(double), "0.12345678901234568")]
    [InlineData("1e3", typeof(double), "1000")]
    [InlineData("1e-300", typeof(double), "1E-300")]
    [InlineData("1e400", typeof(string), "1e400")]
    public void Numbers_keep_every_digit_that_can_be_kept(string json, Type type, string shown)
    {
        var value = JsonNumber.ToValue(Encoding.ASCII.GetBytes(json));

        Assert.IsType(type, value);
        Assert.Equal(shown, Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
    }
}

public class UpdatedSinceTests
{
    private static bool Keeps(DateTime since, string updated) =>
        UpdatedDate.TryParse(Encoding.UTF8.GetBytes(updated), out var value) && new UpdatedSinceRule(since).IsOnOrAfter(value);

    public static TheoryData<string, DateTime, string, bool> Cases => new()
    {
        // A calendar date: that day and later, wherever Cube is.
        { "date on the day", new DateTime(2024, 3, 1), "2024-03-01", true },
        { "date before the day", new DateTime(2024, 3, 1), "2024-02-29", false },
        { "wall-clock time on the day", new DateTime(2024, 3, 1), "2024-03-01 00:05:00", true },
        { "instant that is the day somewhere (UTC+14)", new DateTime(2024, 3, 1), "2024-02-29T10:30:00Z", true },
        { "instant that is the day before everywhere", new DateTime(2024, 3, 1), "2024-02-29T09:30:00Z", false },

        // An instant in UTC: instants compare as instants, whatever the local zone.
        { "later instant", new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc), "2024-03-01T13:00:00Z", true },
        { "later instant with an offset", new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc), "2024-03-01T08:00:00-05:00", true },
        { "earlier instant", new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc), "2024-03-01T11:59:59Z", false },
        { "earlier instant with an offset", new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc), "2024-03-01T12:30:00+01:00", false },

        // A date or wall-clock time (Cube's zone, unknown): kept when some zone could make it late enough.
        { "date of the cut-off (UTC-12 could still be that day)", new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc), "2024-03-01", true },
        { "date before the cut-off everywhere", new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc), "2024-02-29", false },
        { "wall-clock within 12 hours before", new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc), "2024-03-01T00:30:00", true },
        { "wall-clock more than 12 hours before", new DateTime(2024, 3, 1, 12, 0, 0, DateTimeKind.Utc), "2024-02-29T23:30:00", false },
        { "the earliest date", DateTime.SpecifyKind(DateTime.MinValue.AddHours(1), DateTimeKind.Utc), "0001-01-01", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Never_drops_a_customer_changed_at_or_after_the_cut_off(string @case, DateTime since, string updated, bool kept) =>
        Assert.True(kept == Keeps(since, updated), @case);

    public static TheoryData<string> Updated => new() { "2024-03-01", "2024-02-29", "2024-03-02", "2024-03-01T10:00:00Z", "2024-03-01T16:00:00Z", "2024-03-02T01:00:00", "2024-03-01 08:00:00" };

    [Theory]
    [MemberData(nameof(Updated))]
    public void A_local_DateTime_at_midnight_is_an_instant_not_a_calendar_day(string updated)
    {
        // What [datetime]'2024-03-01T16:00:00Z' gives on a UTC+8 host: local midnight. On any
        // host a Local DateTime at midnight is the instant it names, as its UTC twin is.
        var localMidnight = DateTime.SpecifyKind(new DateTime(2024, 3, 2), DateTimeKind.Local);
        Assert.Equal(Keeps(localMidnight.ToUniversalTime(), updated), Keeps(localMidnight, updated));
        var cutOff = new DateTime(2024, 3, 1, 16, 0, 0, DateTimeKind.Utc);
        Assert.Equal(Keeps(cutOff, updated), Keeps(cutOff.ToLocalTime(), updated));
    }

    [Fact]
    public void Only_an_Unspecified_midnight_is_a_calendar_day()
    {
        // '2024-03-01' binds as Unspecified midnight: the day, so a wall-clock time late on the day before is dropped.
        Assert.False(Keeps(new DateTime(2024, 3, 1), "2024-02-29T23:30:00"));
        Assert.True(Keeps(new DateTime(2024, 3, 1, 0, 0, 0, DateTimeKind.Utc), "2024-02-29T23:30:00"));
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

    [Theory]
    [InlineData("42", true, 42L)]
    [InlineData("42.0", true, 42L)]
    [InlineData("4.2e1", true, 42L)]
    [InlineData("20e-1", true, 2L)]
    [InlineData("100E-2", true, 1L)]
    [InlineData("1e18", true, 1_000_000_000_000_000_000L)]
    [InlineData("0.0", true, 0L)]
    [InlineData("-0", true, 0L)]
    [InlineData("0e5", true, 0L)]
    [InlineData("0.000e-999999", true, 0L)]
    [InlineData("9223372036854775807", true, long.MaxValue)]
    [InlineData("-9223372036854775808", true, long.MinValue)]
    [InlineData("92233720368547758.07e2", true, long.MaxValue)]
    [InlineData("1e-400", false, 0L)]
    [InlineData("1.5", false, 0L)]
    [InlineData("9223372036854775808", false, 0L)]
    [InlineData("1e19", false, 0L)]
    [InlineData("1e999999", false, 0L)]
    [InlineData("042", false, 0L)]
    [InlineData(" 42", false, 0L)]
    [InlineData("+42", false, 0L)]
    [InlineData("ABC", false, 0L)]
    public void A_customer_id_is_a_whole_number_only_when_it_exactly_is_one(string text, bool whole, long expected)
    {
        Assert.Equal(whole, JsonNumber.TryGetWholeInt64(System.Text.Encoding.UTF8.GetBytes(text), out var value));
        Assert.Equal(expected, value);
    }
}
