using System.Collections.Generic;

namespace CubePS.Selection;

/// <summary>
/// The customer ids a call asked every one of its assignments for, and which of them each
/// assignment read did not have. An id is missing when no assignment that was read has it: asking
/// 9 and 12 for a customer of 12 is not an error about 9.
/// </summary>
internal sealed class CustomerIdsMissing
{
    private readonly List<int> _assignmentsAsked = new();
    private readonly List<string> _order = new();
    private readonly Dictionary<string, int> _assignmentsLacking = new(System.StringComparer.Ordinal);

    /// <summary>The assignments that were read with ids asked for, in the order read.</summary>
    public IReadOnlyList<int> AssignmentsAsked => _assignmentsAsked;

    /// <summary>Records that <paramref name="assignmentId"/> was read whole, asked for the call's ids, and lacked <paramref name="missing"/>.</summary>
    public void Add(int assignmentId, IEnumerable<string> missing)
    {
        _assignmentsAsked.Add(assignmentId);
        foreach (var id in missing)
        {
            if (_assignmentsLacking.TryGetValue(id, out var count))
            {
                _assignmentsLacking[id] = count + 1;
            }
            else
            {
                _assignmentsLacking.Add(id, 1);
                _order.Add(id);
            }
        }
    }

    /// <summary>The ids that every assignment read lacked, in the order first seen.</summary>
    public IEnumerable<string> InNoAssignment()
    {
        foreach (var id in _order)
        {
            if (_assignmentsLacking[id] == _assignmentsAsked.Count)
            {
                yield return id;
            }
        }
    }
}
