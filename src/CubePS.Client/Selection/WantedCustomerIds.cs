using System.Collections.Generic;
using System.Text;
using CubePS.Records;

namespace CubePS.Selection;

/// <summary>
/// The customer_ids -CustomerId asks for, compared as record ids are: a value that is a JSON
/// number with a whole value (42, "42", 42.0) is that number; anything else ("042", "ABC", an id
/// past Int64) is its text, exactly. So an object piped back in finds its own customer and no
/// other, whatever form its id has.
/// </summary>
internal sealed class WantedCustomerIds
{
    private readonly HashSet<long> _numbers = new();
    private readonly HashSet<string> _texts = new(System.StringComparer.Ordinal);
    private readonly List<string> _asGiven = new();

    public WantedCustomerIds(IEnumerable<string> ids) => Add(ids);

    public int Count => _asGiven.Count;

    public void UnionWith(WantedCustomerIds other) => Add(other._asGiven);

    public bool Contains(in RecordFacts facts) =>
        facts.CustomerId is { } id ? _numbers.Contains(id) : facts.OtherCustomerId is { } text && _texts.Contains(text);

    /// <summary>The ids asked for, in the order given, that <paramref name="seen"/> does not hold.</summary>
    public IEnumerable<string> NotIn(CustomerIdSet seen)
    {
        foreach (var given in _asGiven)
        {
            var found = JsonNumber.TryGetWholeInt64(Encoding.UTF8.GetBytes(given), out var number) ? seen.Contains(number) : seen.Contains(given);
            if (!found)
            {
                yield return given;
            }
        }
    }

    private void Add(IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            var added = JsonNumber.TryGetWholeInt64(Encoding.UTF8.GetBytes(id), out var number) ? _numbers.Add(number) : _texts.Add(id);
            if (added)
            {
                _asGiven.Add(id);
            }
        }
    }
}
