import Foundation

/// Runs Tests/Interop/validate_otlp.py: OTLP/JSON lines checked against the official opentelemetry-proto
/// schema, with the rules protobuf's parser does not enforce (hex ids, integer enums, camelCase keys).
public enum OTLPSchemaValidator {
    /// The Interop folder (validator and sink scripts).
    public static let interop = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../Interop").standardized.path

    /// Validates `paths`; status 0 when every line is valid, with the validator's output.
    public static func run(_ paths: [String]) throws -> (status: Int32, output: String) {
        try Subprocess.run("/usr/bin/env", ["python3", "\(interop)/validate_otlp.py"] + paths)
    }
}
