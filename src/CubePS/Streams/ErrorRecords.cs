using System;
using System.Management.Automation;
using CubePS.Errors;

namespace CubePS.Streams;

/// <summary>Turns client failures into PowerShell error records: stable id, category, target, and the server's reply in ErrorDetails.</summary>
internal static class ErrorRecords
{
    public static ErrorRecord From(CubeException exception)
    {
        var record = new ErrorRecord(exception, exception.ErrorId, ToErrorCategory(exception.Category), exception.TargetObject);
        var details = exception.ResponseText is null
            ? exception.Message
            : exception.Message + Environment.NewLine + "Cube replied: " + exception.ResponseText;
        record.ErrorDetails = new ErrorDetails(details) { RecommendedAction = exception.RecommendedAction };
        return record;
    }

    /// <summary>A failure CubePS did not foresee: a bug, reported with a stable id and the original exception inside.</summary>
    public static ErrorRecord Unexpected(Exception exception, string command)
    {
        var wrapped = new InvalidOperationException(
            command + " failed unexpectedly: " + exception.GetType().FullName + ": " + exception.Message + " This is a bug in CubePS; please report it with this error's details.",
            exception);
        return new ErrorRecord(wrapped, CubeErrorIds.UnexpectedError, ErrorCategory.NotSpecified, null);
    }

    public static ErrorRecord InvalidArgument(string message, object? target) =>
        new(new ArgumentException(message), CubeErrorIds.InvalidArgument, ErrorCategory.InvalidArgument, target);

    /// <summary>Every CubeErrorCategory is named after the ErrorCategory it stands for.</summary>
    public static ErrorCategory ToErrorCategory(CubeErrorCategory category) =>
        (ErrorCategory)Enum.Parse(typeof(ErrorCategory), category.ToString());
}
