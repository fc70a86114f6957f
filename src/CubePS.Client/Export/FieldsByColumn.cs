using System;
using CubePS.Records;

namespace CubePS.Export;

/// <summary>
/// A record's fields in the header's order, whatever order Cube sent the keys in: the one lookup
/// every file writer walks a row by. One per call, refilled for each record.
/// </summary>
internal sealed class FieldsByColumn
{
    // The field's index plus one for each column; 0 where the record has no value in that column.
    private readonly int[] _fieldPlusOne;

    public FieldsByColumn(int columns) => _fieldPlusOne = new int[columns];

    public int Columns => _fieldPlusOne.Length;

    public void Fill(StoredRecord record)
    {
        Array.Clear(_fieldPlusOne, 0, _fieldPlusOne.Length);
        var fields = record.Fields;
        for (var f = 0; f < record.Count; f++)
        {
            _fieldPlusOne[fields[f].Column] = f + 1;
        }
    }

    /// <summary>The index in <see cref="StoredRecord.Fields"/> of the record's value in <paramref name="column"/>, or -1 when it has none.</summary>
    public int FieldAt(int column) => _fieldPlusOne[column] - 1;
}
