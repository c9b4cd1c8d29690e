import Foundation

/// The OpenAPI 3.1 description of the coordinator's HTTP API, committed as
/// `Sources/CanaryAPI/Resources/openapi.json`, compiled into the binary
/// (`embedInCode`) and served as is at `GET /api/v1/openapi.json`: one file
/// is both the contract and what is served.
public enum OpenAPIDocument {
    /// The document's bytes, exactly as committed.
    public static var data: Data { Data(PackageResources.openapi_json) }
}
