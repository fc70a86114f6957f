using System;
using System.Collections;
using System.Management.Automation;

namespace CubePS.Validation;

/// <summary>
/// An empty customer id (a blank cell of an imported CSV, an object whose customer_id is null)
/// names no customer: it is refused when it binds, so it is neither read as an id of its own nor
/// taken to mean "every customer".
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
internal sealed class ValidateCustomerIdAttribute : ValidateArgumentsAttribute
{
    internal const string Message =
        "A customer id is empty. Give the customer_id of each customer wanted, or leave -CustomerId out to get every customer of the assignment (for piped rows: remove the rows without a customer_id).";

    protected override void Validate(object arguments, EngineIntrinsics engineIntrinsics)
    {
        var value = arguments is PSObject wrapped ? wrapped.BaseObject : arguments;
        if (value is IEnumerable items and not string)
        {
            foreach (var item in items)
            {
                CheckOne(item);
            }
        }
        else
        {
            CheckOne(value);
        }
    }

    private static void CheckOne(object? element)
    {
        var value = element is PSObject wrapped ? wrapped.BaseObject : element;
        if (value is null || (value is string text && text.Trim().Length == 0))
        {
            throw new ValidationMetadataException(Message);
        }
    }
}
