using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace CubePS.Customers;

/// <summary>
/// Recognises page links that differ only in a page number (<c>?page=2</c>, <c>?page=3</c>, ...),
/// so that pages further ahead can be fetched before the server has named them. Only used when
/// the envelope gives a <c>count</c>, which bounds the pages; every prediction is checked against
/// the <c>next</c> link the server really sends before its page is used.
/// </summary>
internal sealed class PagePredictor
{
    private static readonly Regex PageParameter = new("(?<=[?&]page=)2(?=&|$)", RegexOptions.CultureInvariant);

    private readonly string _secondPageUri;
    private readonly int _pageNumberAt;

    private PagePredictor(string secondPageUri, int pageNumberAt, int lastPage)
    {
        _secondPageUri = secondPageUri;
        _pageNumberAt = pageNumberAt;
        LastPage = lastPage;
    }

    public int LastPage { get; }

    /// <summary>A predictor from the first page, or null when its links are not of the page-number kind.</summary>
    public static PagePredictor? TryCreate(Uri secondPage, int firstPageRecords, long? count)
    {
        if (count is not { } total || firstPageRecords <= 0)
        {
            return null;
        }

        var text = secondPage.AbsoluteUri;
        var match = PageParameter.Match(secondPage.Query.Length == 0 ? string.Empty : text);
        if (!match.Success || PageParameter.Matches(text).Count != 1)
        {
            return null;
        }

        var lastPage = (total / firstPageRecords) + (total % firstPageRecords == 0 ? 0 : 1);
        return lastPage < 2 || lastPage > int.MaxValue ? null : new PagePredictor(text, match.Index, (int)lastPage);
    }

    public Uri UriFor(int pageNumber) => new(
        _secondPageUri.Substring(0, _pageNumberAt)
        + pageNumber.ToString(CultureInfo.InvariantCulture)
        + _secondPageUri.Substring(_pageNumberAt + 1));

    /// <summary>True when the server's own link to page <paramref name="pageNumber"/> is the one predicted.</summary>
    public bool Predicts(int pageNumber, Uri actual) =>
        pageNumber <= LastPage && string.Equals(UriFor(pageNumber).AbsoluteUri, actual.AbsoluteUri, StringComparison.Ordinal);
}
