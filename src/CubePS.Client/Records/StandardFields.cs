namespace CubePS.Records;

/// <summary>The standard customer fields, in the order Cube sends them (the seed's example record).</summary>
internal static class StandardFields
{
    public static readonly string[] Keys =
    {
        "customer_id", "name", "gender", "birth_date", "assignment_id", "care_of_name", "address_street",
        "address_street_no", "address_entrance", "zip_code", "city", "municipality", "county", "country",
        "phone_1", "phone_2", "phone_3", "email", "more_info_fields", "updated", "updated_by", "update_method",
        "org_number", "org_number_main", "org_name", "nace_code", "nace_text", "number_of_employees",
        "company_type", "established", "credit_rating", "need_to_know", "url", "company_email", "revenue",
        "po_box", "postal_address", "postal_zip", "postal_city",
    };
}
