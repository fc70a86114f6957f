using System;

namespace CubePS.Records;

/// <summary>One key that records of this call carry, and the property it becomes.</summary>
internal sealed class Column
{
    public Column(int index, string key, byte[] utf8Key, string propertyName, ColumnRole role)
    {
        Index = index;
        Key = key;
        Utf8Key = utf8Key;
        PropertyName = propertyName;
        Role = role;
    }

    public int Index { get; }

    /// <summary>The key exactly as Cube sent it.</summary>
    public string Key { get; }

    public byte[] Utf8Key { get; }

    /// <summary>The property name: the key, unless PowerShell could not use it as one (see <see cref="RecordSchema"/>).</summary>
    public string PropertyName { get; internal set; }

    public ColumnRole Role { get; }

    /// <summary>The column that followed this one in the latest record: the guess for the next key.</summary>
    public int Successor { get; set; } = -1;

    public bool IsRenamed => !string.Equals(Key, PropertyName, StringComparison.Ordinal);
}
