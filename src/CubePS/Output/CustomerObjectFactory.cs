using System.Collections.Generic;
using System.Management.Automation;

namespace CubePS.Output;

/// <summary>
/// Builds the objects Get-CubeCustomer writes: one PSObject per record, type name
/// CubePS.Customer, a note property for every property name of the call in the same order.
/// Used by <see cref="CustomerObjectProducer"/>, which builds them in small batches on a worker
/// thread a few hundred ahead of the pipeline.
/// </summary>
internal sealed class CustomerObjectFactory
{
    public const string TypeName = "CubePS.Customer";

    private readonly string[] _propertyNames;

    public CustomerObjectFactory(IReadOnlyList<string> propertyNames)
    {
        _propertyNames = new string[propertyNames.Count];
        for (var i = 0; i < _propertyNames.Length; i++)
        {
            _propertyNames[i] = propertyNames[i];
        }
    }

    public PSObject Create(object?[] values)
    {
        var customer = new PSObject();
        customer.TypeNames.Insert(0, TypeName);
        var properties = customer.Properties;
        for (var i = 0; i < _propertyNames.Length; i++)
        {
            // Pre-validated: the names are unique (RecordSchema made them so) and not reserved,
            // which is what the public check would look for, once per property, at a third of the cost.
            properties.Add(new PSNoteProperty(_propertyNames[i], values[i]), preValidated: true);
        }

        return customer;
    }
}
