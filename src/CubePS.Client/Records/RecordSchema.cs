using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using CubePS.Errors;
using CubePS.Pages;

namespace CubePS.Records;

/// <summary>
/// Every key seen in the records of one call, in order of first appearance: the property set that
/// every emitted object gets. Keys are matched as UTF-8 bytes, guessing each key from the key that
/// followed the previous one last time, so that a record of known keys costs no string allocation.
/// </summary>
internal sealed class RecordSchema
{
    public const string CustomerIdKey = "customer_id";
    public const string UpdatedKey = "updated";

    /// <summary>Names that PowerShell reserves on every object; a key with one of them gets a suffix.</summary>
    private static readonly string[] ReservedPropertyNames = { "PSObject", "PSBase", "PSAdapted", "PSExtended", "PSTypeNames" };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly List<Column> _columns = new();
    private readonly Dictionary<string, Column> _byKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Column> _propertyNames = new(StringComparer.OrdinalIgnoreCase);

    // For each renamed key (by case), the suffix to try first: without it, many keys that differ
    // only in case would each try every suffix taken before, at a cost growing with their square.
    private readonly Dictionary<string, int> _nextSuffix = new(StringComparer.OrdinalIgnoreCase);
    private int _firstColumn = -1;

    public int Count => _columns.Count;

    public Column this[int index] => _columns[index];

    public IReadOnlyList<Column> Columns => _columns;

    /// <summary>
    /// The column for <paramref name="utf8Key"/>, added when new. <paramref name="previous"/> is the
    /// column of the key before it in the same record, or -1 for the first key.
    /// </summary>
    [MethodImpl(JitHints.HotLoop)]
    public Column GetOrAdd(ReadOnlySpan<byte> utf8Key, Column? previous)
    {
        var guess = previous is null ? _firstColumn : previous.Successor;
        Column column;
        if (guess >= 0 && guess < _columns.Count && utf8Key.SequenceEqual(_columns[guess].Utf8Key))
        {
            column = _columns[guess];
        }
        else
        {
            var key = DecodeKey(utf8Key);
            if (!_byKey.TryGetValue(key, out column!))
            {
                if (_columns.Count >= RecordLimits.MaximumKeys)
                {
                    throw new InvalidRecordException(string.Format(CultureInfo.InvariantCulture, "the key '{0}' would be key number {1:N0} of the call; CubePS takes at most {2:N0} different keys in one call (Excel's column count), far more than any Cube assignment has.", ServerText.Quote(key), _columns.Count + 1, RecordLimits.MaximumKeys));
                }

                column = Add(key, utf8Key.ToArray());
            }
        }

        if (previous is null)
        {
            _firstColumn = column.Index;
        }
        else
        {
            previous.Successor = column.Index;
        }

        return column;
    }

    /// <summary>Forgets the columns added after the schema had <paramref name="count"/> of them.</summary>
    public void Truncate(int count)
    {
        for (var i = _columns.Count - 1; i >= count; i--)
        {
            var column = _columns[i];
            _byKey.Remove(column.Key);
            _propertyNames.Remove(column.PropertyName);
            _columns.RemoveAt(i);
        }

        foreach (var column in _columns)
        {
            if (column.Successor >= count)
            {
                column.Successor = -1;
            }
        }

        if (_firstColumn >= count)
        {
            _firstColumn = -1;
        }

        // Freed suffixes are taken again, from _2, so a read repeated after a rollback names its
        // properties as the first read did.
        _nextSuffix.Clear();
    }

    private static string DecodeKey(ReadOnlySpan<byte> utf8Key)
    {
        // Checked before the key becomes a string: every key stays for the whole call, twice (as
        // text and as UTF-8), and a key of megabytes is no field name.
        if (utf8Key.Length > RecordLimits.MaximumKeyBytes)
        {
            throw new InvalidRecordException(string.Format(CultureInfo.InvariantCulture, "a key ('{0}') is longer than the {1:N0} bytes (UTF-8) CubePS takes for a key; Cube's keys are field names of a few dozen characters.", ServerText.Quote(utf8Key), RecordLimits.MaximumKeyBytes));
        }

        var bytes = utf8Key.ToArray();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidRecordException("a key " + TextProblem.Describe(utf8Key) + ".", e);
        }
    }

    private Column Add(string key, byte[] utf8Key)
    {
        // A renamed key that holds this key's own name (Region became region_2, and now Cube sends
        // a real region_2) gives it up: a real key keeps its name, the renamed one moves on. No
        // object is made before the last record is in, so no object has seen the old name.
        Column? displaced = null;
        if (_propertyNames.TryGetValue(key, out var holder) && holder.IsRenamed && !IsReserved(key))
        {
            _propertyNames.Remove(holder.PropertyName);
            displaced = holder;
        }

        var propertyName = UniquePropertyName(key);
        var role = key == CustomerIdKey ? ColumnRole.CustomerId : key == UpdatedKey ? ColumnRole.Updated : ColumnRole.None;
        var column = new Column(_columns.Count, key, utf8Key, propertyName, role);
        _columns.Add(column);
        _byKey.Add(key, column);
        _propertyNames.Add(propertyName, column);
        if (displaced is not null)
        {
            displaced.PropertyName = UniquePropertyName(displaced.Key);
            _propertyNames.Add(displaced.PropertyName, displaced);
        }

        return column;
    }

    /// <summary>
    /// PowerShell property names are case-insensitive and some are reserved, while JSON keys are
    /// neither: a key that cannot be a property as it is (empty, reserved, or equal to an earlier
    /// key but for case) gets the first free suffix _2, _3, ... so that no value is lost.
    /// </summary>
    private static bool IsReserved(string key) =>
        key.Length == 0 || Array.Exists(ReservedPropertyNames, name => name.Equals(key, StringComparison.OrdinalIgnoreCase));

    private string UniquePropertyName(string key)
    {
        var isReserved = IsReserved(key);
        if (!isReserved && !_propertyNames.ContainsKey(key))
        {
            return key;
        }

        var stem = key;
        _nextSuffix.TryGetValue(stem, out var first);
        for (var suffix = Math.Max(2, first); ; suffix++)
        {
            var candidate = stem + "_" + suffix.ToString(CultureInfo.InvariantCulture);
            if (!_propertyNames.ContainsKey(candidate))
            {
                _nextSuffix[stem] = suffix + 1;
                return candidate;
            }
        }
    }
}
