import ArgumentParser
import ECLCore
import ECLLogging
@_spi(Pipeline) import ECLTelemetry
import CurlClient
import Foundation
import PrometheusExport
@_spi(Pipeline) import OTLPExporter

/// How to reach an OTLP collector: `run` and `replay` share these.
struct CollectorOptions: ParsableArguments {
    @Option(name: .customLong("otlp-endpoint"), help: "An OTLP/HTTP collector, such as http://127.0.0.1:4318 (/v1/traces, /v1/logs and /v1/metrics are appended).")
    var otlpEndpoint: String?

    @Option(name: .customLong("otlp-header"), help: "An extra request header NAME=VALUE (repeatable; values are never printed).")
    var otlpHeaders: [String] = []

    @Option(name: .customLong("otlp-compression"), help: "gzip (default) or none.")
    var otlpCompression: String?

    /// The collector, checked, from `settings` (the OTEL_* environment) and these flags; nil when no
    /// endpoint is set anywhere. With `fallbackEndpoint`, that endpoint is used when none is set. A protocol
    /// other than http/json asked for a signal that is exported is one warning.
    func resolve(settings: OTLPConfiguration, environment: [String: String], fallbackEndpoint: String? = nil) throws(OTLPConfigError) -> OTLPHTTPConfiguration? {
        let headers = otlpHeaders.map { OTLPHTTPConfiguration.Given($0, from: "--otlp-header") }
        let compression = otlpCompression.map { OTLPHTTPConfiguration.Given($0, from: "--otlp-compression") }
        var endpoint = otlpEndpoint.map { OTLPHTTPConfiguration.Given($0, from: "--otlp-endpoint") }
        if endpoint == nil, let fallbackEndpoint, settings.endpoint == nil, settings.traces.endpoint == nil, settings.logs.endpoint == nil,
            settings.metrics.endpoint == nil
        {
            endpoint = .init(fallbackEndpoint, from: "the prod preset's endpoint")
        }
        let otlp = try OTLPHTTPConfiguration.resolve(settings: settings, endpoint: endpoint, headers: headers, compression: compression)
        if let otlp, let warning = OTLPHTTPConfiguration.protocolWarning(environment: environment, signals: otlp.signals) {
            Console.warning("OTLP: \(warning)")
        }
        return otlp
    }

    /// The OpenTelemetry environment (OTEL_*) over the defaults; each value that cannot be used is one
    /// warning, and is ignored: an environment never stops a command.
    static func settings(environment: [String: String]) -> OTLPConfiguration {
        OTLPConfiguration().applyingEnvironment(environment, warn: { Console.warning("OTLP: \($0)") })
    }
}

/// Where spans and logs are exported: an OTLP collector, a JSONL dump, and the spool.
struct ExportOptions: ParsableArguments {
    @OptionGroup var collector: CollectorOptions

    @Option(name: .customLong("jsonl-out"), help: "Write spans to FILE, and logs and metrics beside it, as OTLP JSONL (spans.jsonl: logs to spans-logs.jsonl, metrics to spans-metrics.jsonl).")
    var jsonlOut: String?

    @Option(name: .customLong("spool"), help: ArgumentHelp(
        "The spool directory: batches the collector cannot take now wait there and are sent by this run or the next (default \(TelemetryOptions.defaultSpoolDirectory); ECL_OTLP_SPOOL).",
        valueName: "DIR"))
    var spool: String?

    /// The option's earlier name, kept working.
    @Option(name: .customLong("fallback-file"), help: .hidden)
    var fallbackFile: String?

    @Option(name: .customLong("prometheus-pushgateway"), help: ArgumentHelp(
        "Push the run's metrics to this Prometheus Pushgateway while it runs and at its end (job ecl-workflows, grouped by run).",
        valueName: "URL"))
    var pushgateway: String?

    @Option(name: .customLong("metrics-out"), help: ArgumentHelp(
        "Write the run's metrics to FILE in the Prometheus text format (replaced whole, for node_exporter's textfile collector).",
        valueName: "FILE"))
    var metricsOut: String?

    /// The largest spool limit accepted, in megabytes (1 TiB).
    static let maxSpoolMegabytes = 1 << 20

    /// The folder `path` is in: `.` for a bare name, `/` for one at the root.
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Refuses `path`, a file the command replaces whole, when it is one of `others` (path and what it is),
    /// compared with links and `..` resolved.
    /// With `inside` (the file's own path), `path` is the folder it would go to, refused when it is one of `others`.
    static func refuseClash(_ path: String, option: String, with others: [(String, String)], when: String = "", inside file: String? = nil) throws {
        func canonical(_ path: String) -> String {
            let url = URL(fileURLWithPath: path)
            return url.deletingLastPathComponent().resolvingSymlinksInPath().appendingPathComponent(url.lastPathComponent).path
        }
        if let clash = others.first(where: { canonical($0.0) == canonical(path) }) {
            let what = file == nil ? clash.1 : "in \(clash.1) ('\(clash.0)')"
            throw UsageError("\(option): '\(file ?? path)' is \(what); expected a file of its own (it is replaced whole\(when))")
        }
    }

    /// `path` if the file can be replaced whole there: not empty, a regular file or nothing yet (never a
    /// directory, a link, a device or a pipe, which a rename would replace), in a directory that exists and
    /// takes a new file (tried with the temporary file the writes use).
    static func checkedFile(_ path: String, option: String) throws(OTLPConfigError) -> String {
        var isDirectory: ObjCBool = false
        guard !path.isEmpty, !path.hasSuffix("/") else { throw OTLPConfigError(option: option, value: path, expected: "a file path") }
        guard path != "-" else {
            throw OTLPConfigError(option: option, value: path, expected: "a file path (not standard output: the file is replaced whole at each write)")
        }
        let directory = folder(of: path)
        var info = stat()
        if lstat(path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
            throw OTLPConfigError(option: option, value: path, expected: "a regular file or a new path (it is replaced whole at each write; this is a directory, a link, a device or a pipe)")
        }
        if !(FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) && isDirectory.boolValue) {
            throw OTLPConfigError(option: option, value: path, expected: "a file in a directory that exists ('\(directory)' does not)")
        }
        // The directory must take the temporary file each write makes before its rename.
        let probe = PrometheusPublisher.temporaryPath(for: path)
        let descriptor = open(probe, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw OTLPConfigError(option: option, value: path, expected: "a file in a directory this process can write (\(reason))")
        }
        close(descriptor)
        unlink(probe)
        return path
    }

    /// The endpoint the prod preset exports to when none is given: the OTLP/HTTP default.
    static let defaultProdEndpoint = OTLPConfiguration.defaultEndpoint

    /// The options, checked; a bad value is a one-line usage error. With the prod preset, OTLP export is on
    /// (to ``defaultProdEndpoint`` unless an endpoint is set), with the spool.
    func resolve(environment: [String: String], consoleSpans: Bool, prod: Bool = false) throws -> TelemetryOptions {
        do {
            let settings = CollectorOptions.settings(environment: environment)
            let otlp = try collector.resolve(settings: settings, environment: environment, fallbackEndpoint: prod ? Self.defaultProdEndpoint : nil)
            if let path = jsonlOut, path.isEmpty { throw OTLPConfigError(option: "--jsonl-out", value: path, expected: "a file path") }
            let spoolSource = spool.map { ($0, "--spool") } ?? fallbackFile.map { ($0, "--fallback-file") }
                ?? environment["ECL_OTLP_SPOOL"].map { ($0, "ECL_OTLP_SPOOL") }
            if let (path, option) = spoolSource, path.isEmpty { throw OTLPConfigError(option: option, value: path, expected: "a directory path") }
            var maxMegabytes: Int?
            if let text = environment["ECL_OTLP_SPOOL_MAX_MB"], !text.isEmpty {
                guard let value = Int(text.trimmingCharacters(in: .whitespaces)), (1...Self.maxSpoolMegabytes).contains(value) else {
                    throw OTLPConfigError(
                        option: "ECL_OTLP_SPOOL_MAX_MB", value: text, expected: "a whole number of megabytes from 1 to \(Self.maxSpoolMegabytes)")
                }
                maxMegabytes = value
            }
            var options = TelemetryOptions(
                otlp: otlp, jsonlOut: jsonlOut, spoolDirectory: spoolSource?.0, spoolMaxMegabytes: maxMegabytes,
                consoleSpans: consoleSpans || settings.traces.exporters.contains(.console))
            options.settings = settings
            options.spoolSource = spoolSource?.1 ?? "--spool"
            if let url = pushgateway {
                if let problem = URLText.httpProblem(url) {
                    throw OTLPConfigError(option: "--prometheus-pushgateway", value: URLText.redacted(url), expected: "an http:// or https:// URL such as http://127.0.0.1:9091 (\(problem))")
                }
                if url.contains("/metrics/job") {
                    throw OTLPConfigError(
                        option: "--prometheus-pushgateway", value: URLText.redacted(url),
                        expected: "the Pushgateway's base URL such as http://127.0.0.1:9091 (/metrics/job/ecl-workflows/run/<run> is added)")
                }
                options.pushgateway = PrometheusPublisher.Pushgateway(
                    url: url, job: "ecl-workflows", grouping: [("run", RunIdentity.id)])
            }
            if let path = metricsOut {
                options.metricsTextFile = try Self.checkedFile(path, option: "--metrics-out")
            }
            if let text = environment["ECL_OTLP_DURABLE"], !text.isEmpty {
                switch text.lowercased() {
                case "true", "1", "yes", "on": options.durable = true
                case "false", "0", "no", "off": options.durable = false
                default: throw OTLPConfigError(option: "ECL_OTLP_DURABLE", value: text, expected: "true or false")
                }
            }
            if let text = environment["ECL_OTLP_GZIP_LEVEL"], !text.isEmpty {
                guard let level = Int32(text.trimmingCharacters(in: .whitespaces)), (1...9).contains(level) else {
                    throw OTLPConfigError(option: "ECL_OTLP_GZIP_LEVEL", value: text, expected: "a whole number from 1 (fastest) to 9 (smallest)")
                }
                options.otlp?.setGzipLevel(level)
            }
            return options
        } catch let error as OTLPConfigError {
            throw UsageError(error.message)
        }
    }
}
