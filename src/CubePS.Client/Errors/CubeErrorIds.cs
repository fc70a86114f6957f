namespace CubePS.Errors;

/// <summary>
/// The error ids CubePS reports. They are part of the public contract: scripts match on
/// FullyQualifiedErrorId, so an id never changes meaning. README's error table lists them.
/// </summary>
internal static class CubeErrorIds
{
    public const string NotConnected = "CubeNotConnected";
    public const string InvalidEnvironment = "CubeInvalidEnvironment";
    public const string InvalidArgument = "CubeInvalidArgument";
    public const string UnencryptedAuthentication = "CubeUnencryptedAuthentication";
    public const string AssignmentNotFound = "CubeAssignmentNotFound";
    public const string AssignmentForbidden = "CubeAssignmentForbidden";
    public const string CustomerNotFound = "CubeCustomerNotFound";
    public const string RateLimited = "CubeRateLimited";
    public const string AuthenticationFailed = "CubeAuthenticationFailed";
    public const string ProxyAuthenticationFailed = "CubeProxyAuthenticationFailed";
    public const string RequestFailed = "CubeRequestFailed";
    public const string RequestTimeout = "CubeRequestTimeout";
    public const string ConnectionFailed = "CubeConnectionFailed";
    public const string Unavailable = "CubeUnavailable";
    public const string CertificateRejected = "CubeCertificateRejected";
    public const string InvalidResponse = "CubeInvalidResponse";
    public const string IncompleteRead = "CubeIncompleteRead";
    public const string UnsafeNextLink = "CubeUnsafeNextLink";
    public const string UnsafeRedirect = "CubeUnsafeRedirect";
    public const string TemporaryStorageFailed = "CubeTemporaryStorageFailed";
    public const string UnexpectedError = "CubeUnexpectedError";
    public const string FileExists = "CubeFileExists";

    // Raised by the root module CubePS.psm1, which stops an import before (or instead of) loading
    // any dll, so it spells them itself; listed here so that every id is in one place.
    public const string UnsupportedRuntime = "CubeUnsupportedRuntime";
    public const string ModuleVersionConflict = "CubeModuleVersionConflict";
    public const string ExportFailed = "CubeExportFailed";
    public const string WorksheetLimit = "CubeWorksheetLimit";
}
