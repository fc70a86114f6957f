using System;
using System.Collections.Generic;

namespace CubePS.Selection;

/// <summary>
/// The customer_ids seen in one read of an assignment, to drop a customer sent twice and to tell
/// whether two reads hold the same customers. Integer ids (the usual kind) sit in an open-addressing
/// table of longs, about 16 bytes each at most, so a million customers cost about 16 MB. Any other
/// id is kept as its digest (<see cref="CustomerIdDigest"/>), about 40 bytes whatever its length:
/// what a server sends as ids costs no more memory than the same bytes as values.
/// </summary>
internal sealed class CustomerIdSet
{
    private long[] _slots = new long[1024];
    private int _count;
    private bool _hasZero;
    private HashSet<CustomerIdDigest>? _others;

    /// <summary>Distinct ids added.</summary>
    public long Count => _count + (_hasZero ? 1 : 0) + (_others?.Count ?? 0);

    /// <summary>An order-independent digest of the ids: equal sets have equal fingerprints.</summary>
    public ulong Fingerprint { get; private set; }

    public bool Contains(long id)
    {
        if (id == 0)
        {
            return _hasZero;
        }

        var mask = _slots.Length - 1;
        var slot = (int)(Mix((ulong)id) & (ulong)mask);
        while (true)
        {
            var existing = _slots[slot];
            if (existing == id)
            {
                return true;
            }

            if (existing == 0)
            {
                return false;
            }

            slot = (slot + 1) & mask;
        }
    }

    public bool Contains(string id) => Contains(CustomerIdDigest.Of(id));

    public bool Contains(CustomerIdDigest id) => _others is not null && _others.Contains(id);

    /// <summary>Adds an integer id; false when it was there already.</summary>
    public bool Add(long id)
    {
        if (id == 0)
        {
            // 0 marks an empty slot, so it is kept aside.
            if (_hasZero)
            {
                return false;
            }

            _hasZero = true;
            Fingerprint += Mix(0);
            return true;
        }

        if ((_count + 1) * 2 > _slots.Length)
        {
            Grow();
        }

        if (!Insert(_slots, id))
        {
            return false;
        }

        _count++;
        Fingerprint += Mix((ulong)id);
        return true;
    }

    /// <summary>Adds an id that is not an integer; false when it was there already.</summary>
    public bool Add(string id) => Add(CustomerIdDigest.Of(id));

    /// <summary>Adds an id that is not an integer, by its digest; false when it was there already.</summary>
    public bool Add(CustomerIdDigest id)
    {
        _others ??= new HashSet<CustomerIdDigest>();
        if (!_others.Add(id))
        {
            return false;
        }

        Fingerprint += Mix(id.High ^ 0x9E3779B97F4A7C15UL) ^ id.Low;
        return true;
    }

    /// <summary>A 64-bit finaliser (splitmix64), so that sums of ids do not collide by arithmetic.</summary>
    private static ulong Mix(ulong value)
    {
        value += 0x9E3779B97F4A7C15UL;
        value = (value ^ (value >> 30)) * 0xBF58476D1CE4E5B9UL;
        value = (value ^ (value >> 27)) * 0x94D049BB133111EBUL;
        return value ^ (value >> 31);
    }

    private static bool Insert(long[] slots, long id)
    {
        var mask = slots.Length - 1;
        var slot = (int)(Mix((ulong)id) & (ulong)mask);
        while (true)
        {
            var existing = slots[slot];
            if (existing == 0)
            {
                slots[slot] = id;
                return true;
            }

            if (existing == id)
            {
                return false;
            }

            slot = (slot + 1) & mask;
        }
    }

    private void Grow()
    {
        var grown = new long[_slots.Length * 2];
        foreach (var id in _slots)
        {
            if (id != 0)
            {
                Insert(grown, id);
            }
        }

        _slots = grown;
    }
}
