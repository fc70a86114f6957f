namespace CubePS.Customers;

/// <summary>A point to roll a collection back to when a page or an assignment fails.</summary>
internal readonly struct CollectionMark
{
    public CollectionMark(int storeMark, long recordCount, int schemaCount, ulong skipped, long recordsReceived, long undatedRecordsKept, long serverTotal, bool serverTotalUnknown)
    {
        StoreMark = storeMark;
        RecordCount = recordCount;
        SchemaCount = schemaCount;
        Skipped = skipped;
        RecordsReceived = recordsReceived;
        UndatedRecordsKept = undatedRecordsKept;
        ServerTotal = serverTotal;
        ServerTotalUnknown = serverTotalUnknown;
    }

    public int StoreMark { get; }

    public long RecordCount { get; }

    public int SchemaCount { get; }

    public ulong Skipped { get; }

    public long RecordsReceived { get; }

    public long UndatedRecordsKept { get; }

    public long ServerTotal { get; }

    public bool ServerTotalUnknown { get; }
}
