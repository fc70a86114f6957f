using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;

namespace CubePS.Sessions;

/// <summary>The assignments this runspace has read, for completing -AssignmentId.</summary>
internal static class AssignmentHistory
{
    private static readonly PerRunspace<ConcurrentDictionary<int, AssignmentSeen>> Seen = new();

    /// <summary>Notes that assignment <paramref name="assignmentId"/> was read, holding <paramref name="customers"/> customers.</summary>
    public static void Record(int assignmentId, long customers)
    {
        if (Seen.GetOrAddCurrent(() => new ConcurrentDictionary<int, AssignmentSeen>()) is { } seen)
        {
            seen[assignmentId] = new AssignmentSeen(assignmentId, customers, DateTime.Now);
        }
    }

    /// <summary>The assignments read in this runspace, most recent first.</summary>
    public static IReadOnlyList<AssignmentSeen> Recent() =>
        Seen.Current?.Values.OrderByDescending(seen => seen.ReadAt).ToList() ?? new List<AssignmentSeen>();
}

/// <summary>An assignment read in this session: how many customers it held, and when.</summary>
internal sealed class AssignmentSeen
{
    public AssignmentSeen(int assignmentId, long customers, DateTime readAt)
    {
        AssignmentId = assignmentId;
        Customers = customers;
        ReadAt = readAt;
    }

    public int AssignmentId { get; }

    public long Customers { get; }

    public DateTime ReadAt { get; }
}
