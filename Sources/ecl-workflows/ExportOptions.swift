import ArgumentParser
import ECLCore
import ECLLogging
import ECLTelemetry
import Foundation
import OTLPExporter

/// Where spans and logs are exported: an OTLP collector, a JSONL dump, and the fallback file.
struct ExportOptions: ParsableArguments {
    @Option(name: .customLong("otlp-endpoint"), help: "An OTLP/HTTP collector, such as http://127.0.0.1:4318 (/v1/traces and /v1/logs are appended).")
    var otlpEndpoint: String?

    @Option(name: .customLong("otlp-header"), help: "An extra request header NAME=VALUE (repeatable; values are never printed).")
    var otlpHeaders: [String] = []

    @Option(name: .customLong("otlp-compression"), help: "gzip (default) or none.")
    var otlpCompression: String?

    @Option(name: .customLong("jsonl-out"), help: "Write spans to FILE and logs to FILE-logs as OTLP JSONL, with no collector.")
    var jsonlOut: String?

    @Option(name: .customLong("fallback-file"), help: "Where batches that cannot be delivered go (default \(TelemetryOptions.defaultFallbackFile) when exporting).")
    var fallbackFile: String?

    /// The endpoint the prod preset exports to when none is given: the OTLP/HTTP default.
    static let defaultProdEndpoint = "http://localhost:4318"

    /// The options, checked; a bad value is a one-line usage error. With the prod preset, OTLP export is on
    /// (to ``defaultProdEndpoint`` unless an endpoint is set), with the fallback file.
    func resolve(environment: [String: String], consoleSpans: Bool, prod: Bool = false) throws -> TelemetryOptions {
        do {
            var otlp = try OTLPHTTPConfiguration.resolve(
                environment: environment, endpointFlag: otlpEndpoint, headerFlags: otlpHeaders, compressionFlag: otlpCompression)
            if otlp == nil, prod {
                otlp = try OTLPHTTPConfiguration.resolve(
                    environment: environment, endpointFlag: Self.defaultProdEndpoint, headerFlags: otlpHeaders, compressionFlag: otlpCompression)
            }
            if let path = jsonlOut, path.isEmpty { throw OTLPConfigError(option: "--jsonl-out", value: path, expected: "a file path") }
            if let path = fallbackFile, path.isEmpty { throw OTLPConfigError(option: "--fallback-file", value: path, expected: "a file path") }
            return TelemetryOptions(otlp: otlp, jsonlOut: jsonlOut, fallbackFile: fallbackFile, consoleSpans: consoleSpans)
        } catch let error as OTLPConfigError {
            throw UsageError(error.message)
        }
    }
}

/// Sets up logging and telemetry for a command before anything else runs, and tears it down at exit,
/// SIGINT or SIGTERM included.
enum TelemetrySetup {
    private static let installed = InstalledTelemetry()

    /// Loads the logging configuration, resolves export options, installs both, and arranges for pending
    /// telemetry to be delivered (or written to the fallback file) on SIGINT and SIGTERM.
    static func start(logging: LoggingOptions, export: ExportOptions?) throws -> LogConfig {
        let environment = ProcessInfo.processInfo.environment
        let config = try logging.load(environment: environment)
        let preset = logging.preset ?? environment["ECL_PRESET"]
        var options = try export?.resolve(environment: environment, consoleSpans: preset == "dev", prod: preset == "prod") ?? TelemetryOptions()
        (options.sqlURLSource, options.sqlURLFromPreset) = logging.sqlURLSource(environment: environment, config: config)
        let telemetry: Telemetry
        do {
            telemetry = try Telemetry.bootstrap(logConfig: config, options: options, environment: environment) { warning in
                Console.warning(warning)
            }
        } catch let error as LogConfigError {
            throw UsageError(error.message)
        } catch let error as OTLPConfigError {
            throw UsageError(error.message)
        } catch let error as ECLError {
            throw UsageError(error.description.replacingOccurrences(of: "configuration error: ", with: ""))
        }
        installed.set(telemetry)
        for signalNumber in [SIGINT, SIGTERM] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler {
                Console.warning("interrupted: delivering pending telemetry before exiting")
                finish()
                exit(128 + signalNumber)
            }
            source.resume()
            installed.keep(source)
        }
        return config
    }

    /// Delivers or falls back everything pending; safe to call more than once.
    static func finish() {
        installed.get()?.shutdown()
        ECLLoggingSystem.flush()
    }
}

/// The process's telemetry and signal sources, kept alive until exit.
final class InstalledTelemetry: @unchecked Sendable {
    // Safe: every access goes through `lock`.
    private let lock = NSLock()
    private var telemetry: Telemetry?
    private var sources: [any DispatchSourceSignal] = []

    func set(_ value: Telemetry) { lock.withLock { telemetry = value } }
    func get() -> Telemetry? { lock.withLock { telemetry } }
    func keep(_ source: any DispatchSourceSignal) { lock.withLock { sources.append(source) } }
}
