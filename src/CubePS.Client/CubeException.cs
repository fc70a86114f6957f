using System;
using CubePS.Errors;

namespace CubePS;

/// <summary>
/// A failure talking to Cube, with the stable id and category the cmdlets report and, when the
/// server answered, its status and reply (trimmed, secrets masked). It is the exception of every
/// error record CubePS writes, so scripts can read <c>$_.Exception.StatusCode</c>.
/// </summary>
public class CubeException : Exception
{
    internal CubeException(
        string errorId,
        CubeErrorCategory category,
        string message,
        object? targetObject = null,
        Exception? innerException = null)
        : base(message, innerException)
    {
        ErrorId = errorId;
        Category = category;
        TargetObject = targetObject;
    }

    /// <summary>The stable id, the start of the error record's FullyQualifiedErrorId.</summary>
    public string ErrorId { get; }

    /// <summary>What the failure is about: an assignment id, a URI, a parameter value.</summary>
    public object? TargetObject { get; internal set; }

    /// <summary>The HTTP status Cube answered with, when it answered.</summary>
    public int? StatusCode { get; internal set; }

    /// <summary>The start of Cube's reply (trimmed, secrets masked), when there was one.</summary>
    public string? ResponseText { get; internal set; }

    /// <summary>The request that failed, with secrets in the query masked.</summary>
    public string? RequestUri { get; internal set; }

    /// <summary>What the user can do about it.</summary>
    public string? RecommendedAction { get; internal set; }

    /// <summary>The category of the error record (a PowerShell ErrorCategory of the same name).</summary>
    internal CubeErrorCategory Category { get; }

    /// <summary>True when trying again may succeed (throttling, a 5xx, a dropped connection).</summary>
    internal bool IsTransient { get; set; }

    /// <summary>How long the server asked us to wait before trying again.</summary>
    internal TimeSpan? RetryAfter { get; set; }

    /// <summary>This error with another message (the same id, category, target, status and reply).</summary>
    internal CubeException WithMessage(string message) =>
        new(ErrorId, Category, message, TargetObject, InnerException)
        {
            StatusCode = StatusCode,
            ResponseText = ResponseText,
            RequestUri = RequestUri,
            RecommendedAction = RecommendedAction,
            IsTransient = IsTransient,
            RetryAfter = RetryAfter,
        };
}
