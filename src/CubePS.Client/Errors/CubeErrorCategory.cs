namespace CubePS.Errors;

/// <summary>
/// The categories CubePS uses. Each name is also a member of PowerShell's ErrorCategory, which the
/// cmdlets map it to by name (the client does not reference PowerShell); a test checks every one.
/// </summary>
internal enum CubeErrorCategory
{
    NotSpecified,
    InvalidArgument,
    InvalidOperation,
    ObjectNotFound,
    AuthenticationError,
    PermissionDenied,
    InvalidData,
    OperationTimeout,
    ConnectionError,
    ResourceUnavailable,
    LimitsExceeded,
    SecurityError,
    WriteError,
    ResourceExists,
}
