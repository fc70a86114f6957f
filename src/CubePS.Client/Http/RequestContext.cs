using System;
using System.Globalization;
using CubePS.Connections;
using CubePS.Errors;

namespace CubePS.Http;

/// <summary>
/// What one request is for (which assignment, which page, which URI), so that every error it
/// raises names its target and shows the URI with secrets masked.
/// </summary>
internal sealed class RequestContext
{
    /// <summary>What the request is for when it is not a page of an assignment.</summary>
    private readonly string? _purpose;

    public RequestContext(int assignmentId, int pageNumber, Uri uri, SecretMasker masker)
    {
        AssignmentId = assignmentId;
        PageNumber = pageNumber;
        Uri = uri;
        Masker = masker;
        DisplayUri = masker.MaskUri(uri);
    }

    private RequestContext(Uri uri, SecretMasker masker, string purpose)
        : this(0, 0, uri, masker) => _purpose = purpose;

    public SecretMasker Masker { get; }

    public int AssignmentId { get; }

    public int PageNumber { get; }

    public Uri Uri { get; }

    /// <summary>The URI as messages show it.</summary>
    public string DisplayUri { get; }

    /// <summary>A context for reaching a host itself, not an assignment (a connection test).</summary>
    public static RequestContext ForHost(Uri uri, SecretMasker masker) =>
        new(uri, masker, "the connection test of " + uri.GetLeftPart(UriPartial.Authority));

    public string Describe() => _purpose ?? string.Format(
        CultureInfo.InvariantCulture,
        "assignment {0}, page {1} (GET {2})",
        AssignmentId,
        PageNumber,
        ServerText.Quote(DisplayUri));

    /// <summary>
    /// Every error of a request is made here, with the connection's secrets masked in its message:
    /// a server's words (a reason phrase, a status line, a key) can carry one. An inner exception
    /// whose messages carry one is replaced by a masked account of it.
    /// </summary>
    public CubeException Error(string errorId, CubeErrorCategory category, string message, Exception? inner = null) =>
        new(errorId, category, Masker.MaskText(message), Target, MaskedInner(inner)) { RequestUri = DisplayUri };

    /// <summary>What an error is about: the assignment, or for a request to the host itself, the host (not a false assignment 0).</summary>
    private object Target => _purpose is null ? AssignmentId : Masker.MaskUri(new Uri(Uri.GetLeftPart(UriPartial.Authority)));

    private Exception? MaskedInner(Exception? inner)
    {
        for (var e = inner; e is not null; e = e.InnerException)
        {
            if (Masker.MaskText(e.Message) != e.Message)
            {
                return new InvalidOperationException(Masker.MaskText(inner!.GetType().FullName + ": " + inner.ToString()));
            }
        }

        return inner;
    }

    public CubeException TimedOut(string message)
    {
        var error = Error(CubeErrorIds.RequestTimeout, CubeErrorCategory.OperationTimeout, WithRequest(message));
        error.IsTransient = true;
        error.RecommendedAction = "Raise -TimeoutSec if Cube is slow to answer, or try again later.";
        return error;
    }

    public CubeException ConnectionLost(string message, Exception? inner)
    {
        var error = Error(CubeErrorIds.ConnectionFailed, CubeErrorCategory.ConnectionError, WithRequest(message), inner);
        error.IsTransient = true;
        error.RecommendedAction = "Check the network path to Cube (DNS, proxy, firewall), then try again.";
        return error;
    }

    /// <summary>The message as a sentence (the runtime's own texts often lack the full stop), then the request.</summary>
    private string WithRequest(string message)
    {
        var trimmed = message.TrimEnd();
        var end = trimmed.Length > 0 && trimmed[trimmed.Length - 1] is '.' or '!' or '?' ? string.Empty : ".";
        return trimmed + end + " Request: " + Describe() + ".";
    }

    public CubeException InvalidResponse(string message, Exception? inner = null)
    {
        var error = Error(CubeErrorIds.InvalidResponse, CubeErrorCategory.InvalidData, message, inner);
        error.RecommendedAction = "Check that the base URI points at Cube's API (not a login page or a proxy), then try again; report a reply that stays broken to Headshed.";
        return error;
    }
}
