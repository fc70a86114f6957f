using System;
using System.Management.Automation;
using System.Security;
using CubePS.Connections;
using CubePS.Customers;
using CubePS.Errors;
using CubePS.Output;
using CubePS.Sessions;
using CubePS.Streams;
using CubePS.Validation;

namespace CubePS.Commands;

/// <summary>
/// Connect-Cube: describes a Cube server and credentials, and makes that this session's default
/// connection. It does not contact Cube (the API has no endpoint to check credentials with);
/// the first Get-CubeCustomer does.
/// </summary>
[Cmdlet(VerbsCommunications.Connect, "Cube", DefaultParameterSetName = AccountWithToken, HelpUri = HelpUri + "Connect-Cube.md")]
[OutputType(typeof(Connection))]
public sealed class ConnectCubeCommand : CubeCmdlet
{
    private const string AccountWithToken = "AccountWithToken";
    private const string AccountWithCredential = "AccountWithCredential";
    private const string BaseUriWithToken = "BaseUriWithToken";
    private const string BaseUriWithCredential = "BaseUriWithCredential";

    /// <summary>The Cube account: 'acme' for https://acme.headshed.com.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = AccountWithToken)]
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = AccountWithCredential)]
    [ValidateCubeAccount]
    public string Account { get; set; } = string.Empty;

    /// <summary>Any other Cube address (a test host, a proxy, the simulator); routes are appended to its path.</summary>
    [Parameter(Mandatory = true, ParameterSetName = BaseUriWithToken)]
    [Parameter(Mandatory = true, ParameterSetName = BaseUriWithCredential)]
    [ValidateHttpUri]
    public Uri? BaseUri { get; set; }

    /// <summary>An API token, sent as 'Authorization: Token &lt;token&gt;'.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AccountWithToken)]
    [Parameter(Mandatory = true, ParameterSetName = BaseUriWithToken)]
    [ValidateNotNull]
    [TokenNotPlainText]
    [ValidateToken]
    public SecureString? Token { get; set; }

    /// <summary>A Cube user's email and password, sent with HTTP Basic authentication.</summary>
    [Parameter(Mandatory = true, ParameterSetName = AccountWithCredential)]
    [Parameter(Mandatory = true, ParameterSetName = BaseUriWithCredential)]
    [ValidateNotNull]
    [ValidateCubeCredential]
    public PSCredential? Credential { get; set; }

    [Parameter]
    [ValidateRange(1, RequestSettings.MaximumTimeoutSec)]
    public int TimeoutSec { get; set; } = RequestSettings.DefaultTimeoutSec;

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int MaximumRetryCount { get; set; } = RequestSettings.DefaultMaximumRetryCount;

    [Parameter]
    [ValidateRange(0, int.MaxValue)]
    public int RetryIntervalSec { get; set; } = RequestSettings.DefaultRetryIntervalSec;

    /// <summary>Requests in flight to Cube at once, at most, for the calls that use this connection and give no -ThrottleLimit.</summary>
    [Parameter]
    [ValidateRange(1, RequestSettings.MaximumThrottleLimit)]
    public int ThrottleLimit { get; set; } = RequestSettings.DefaultThrottleLimit;

    /// <summary>A proxy to use instead of the system's.</summary>
    [Parameter]
    [ValidateHttpUri]
    public Uri? Proxy { get; set; }

    [Parameter]
    [ValidateNotNull]
    public PSCredential? ProxyCredential { get; set; }

    /// <summary>Accept any server certificate. Only for test hosts: it lets anyone on the path read the credentials.</summary>
    [Parameter]
    public SwitchParameter SkipCertificateCheck { get; set; }

    /// <summary>Allow plain http to a host other than this machine.</summary>
    [Parameter]
    public SwitchParameter AllowUnencryptedAuthentication { get; set; }

    /// <summary>Also write the connection to the pipeline.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>
    /// Only make the connection and write it to the pipeline, as New-PSSession does: the
    /// session's default stays as it was (for -Connection, or a second Cube beside the default).
    /// </summary>
    [Parameter]
    public SwitchParameter NoDefault { get; set; }

    /// <summary>Test the connection now (as Test-CubeConnection does) and keep it only if the test passes.</summary>
    [Parameter]
    public SwitchParameter Validate { get; set; }

    /// <summary>With -Validate: an assignment whose first page to fetch, which checks the credentials too.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    [ArgumentCompleter(typeof(AssignmentIdCompleter))]
    public int? AssignmentId { get; set; }

    private protected override void EndCubeProcessing()
    {
        var options = new ConnectionOptions
        {
            Account = ParameterSetName.StartsWith("Account", StringComparison.Ordinal) ? Account : null,
            BaseUri = BaseUri,
            Token = Token,
            UserName = Credential?.UserName,
            Password = Credential?.Password,
            RequestSettings = new RequestSettings(TimeoutSec, MaximumRetryCount, RetryIntervalSec, ThrottleLimit),
            Proxy = Proxy,
            ProxyCredential = ProxyCredential?.GetNetworkCredential(),
            SkipCertificateCheck = SkipCertificateCheck,
            AllowUnencryptedAuthentication = AllowUnencryptedAuthentication,
        };

        Connection connection;
        try
        {
            connection = Connection.Create(options);
        }
        catch (CubeException e)
        {
            ThrowCubeError(e);
            return;
        }
        catch (ArgumentException e)
        {
            ThrowTerminatingError(ErrorRecords.InvalidArgument(e.Message, (object?)BaseUri ?? Account));
            return;
        }

        if (AssignmentId.HasValue && !Validate)
        {
            connection.Dispose();
            ThrowTerminatingError(ErrorRecords.InvalidArgument("-AssignmentId goes with -Validate: it names the assignment the test reads.", AssignmentId));
        }

        // A connection that a failed test, or a write the host refuses, keeps from being handed
        // over is closed here; nothing else of the session has changed by then.
        var handedOver = false;
        try
        {
            if (Validate)
            {
                var (test, failure) = TestCubeConnectionCommand.Run(this, connection, AssignmentId, null);
                if (failure is not null)
                {
                    // The error the test found, and no connection kept.
                    ThrowCubeError(failure);
                }

                WriteVerbose("Tested " + connection + ": " + test.Message);
                if (!AssignmentId.HasValue)
                {
                    // Cube has no request that checks credentials without an assignment: say so, or a
                    // wrong token would pass for a checked one.
                    WriteWarning("-Validate reached " + connection.BaseUri + " but did not check the credentials: Cube checks them only for an assignment. Add -AssignmentId (one the user may read) to check them too.");
                }
            }

            if (SkipCertificateCheck && connection.BaseUri.Scheme != Uri.UriSchemeHttps)
            {
                WriteWarning("-SkipCertificateCheck has no effect on " + connection.BaseUri + ": plain HTTP has no certificate to check.");
            }
            else if (SkipCertificateCheck)
            {
                WriteWarning("Certificate checks are off for " + connection.BaseUri + ": anyone on the network path could pose as Cube and read the credentials. Use -SkipCertificateCheck only with test hosts.");
            }

            if (NoDefault)
            {
                WriteVerbose("Connected to " + connection + "; the session's default connection is as it was.");
                handedOver = true;
                WriteObject(connection);
                return;
            }

            // Every message before the session's default changes: a write the host refuses (-Debug
            // where nothing can prompt) then fails the call with the default as it was. Only the
            // object itself comes after, so that what -PassThru hands on is already the default.
            WriteVerbose("Connected to " + connection + "; it is this session's default connection.");
            ConnectionRegistry.SetCurrent(connection);
            handedOver = true;
            if (PassThru)
            {
                WriteObject(connection);
            }
        }
        finally
        {
            if (!handedOver)
            {
                connection.Dispose();
            }
        }
    }
}
