import ECLLogging
import Foundation
import Testing

@Suite struct LogConfigLoaderTests {
    let directory: String = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ecl-config-\(UUID())").path
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    func write(_ name: String, _ text: String) -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        try! text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func load(_ flags: LogFlags = LogFlags(), _ environment: [String: String] = [:]) throws(LogConfigError) -> LogConfig {
        try LogConfigLoader.load(flags: flags, environment: environment, currentDirectory: directory)
    }

    func message(_ body: () throws(LogConfigError) -> LogConfig) -> String {
        do {
            let config = try body()
            Issue.record("accepted: \(config)")
            return ""
        } catch { return error.message }
    }

    @Test func presetsHaveTheirDocumentedValues() throws {
        #expect(LogConfig.default == LogConfig(level: .info, format: .pretty, includeTimestamps: true, includeLocation: false, useColors: true))
        #expect(LogConfig.dev.level == .debug && LogConfig.dev.format == .pretty && LogConfig.dev.useColors)
        #expect(LogConfig.prod.level == .info && LogConfig.prod.format == .json && !LogConfig.prod.useColors && LogConfig.prod.includeLocation)
        #expect(try load() == .default)
        #expect(try load(LogFlags(preset: "prod")) == .prod)
        #expect(try load(LogFlags(), ["ECL_PRESET": "dev"]) == .dev)
    }

    @Test func eachSourceOverridesTheOneBefore() throws {
        let file = write("a.toml", """
            [logging]
            level = "warn"
            format = "compact"
            include_location = true
            """)
        // preset < file
        var config = try load(LogFlags(preset: "dev", config: file))
        #expect(config.level == .warn && config.format == .compact && config.includeLocation && config.useColors)
        // file < environment
        config = try load(LogFlags(preset: "dev", config: file), ["ECL_LOG_LEVEL": "error", "ECL_LOG_FORMAT": "json", "ECL_LOG_OUTPUT": "stderr", "NO_COLOR": "1"])
        #expect(config.level == .error && config.format == .json && config.output == .stderr && !config.useColors)
        // environment < flags
        config = try load(LogFlags(preset: "dev", config: file, logLevel: "trace", logFormat: "pretty"), ["ECL_LOG_LEVEL": "error", "ECL_LOG_FORMAT": "json"])
        #expect(config.level == .trace && config.format == .pretty)
    }

    /// Read once: the preset's name and what named the log database come with the configuration.
    @Test func whereThePresetAndTheDatabaseCameFrom() throws {
        func resolve(_ flags: LogFlags = LogFlags(), logSQL: String? = nil, _ environment: [String: String] = [:]) throws -> ResolvedLogConfig {
            try LogConfigLoader.resolve(flags: flags, logSQL: logSQL, environment: environment, currentDirectory: directory)
        }
        #expect(try resolve().preset == "default")
        #expect(try resolve(LogFlags(), ["ECL_PRESET": "prod"]).preset == "prod")
        #expect(try resolve(LogFlags(preset: "dev"), ["ECL_PRESET": "prod"]).preset == "dev")
        // A [logging] table without a database leaves its source alone.
        let plain = write("plain.toml", "[logging]\nlevel = \"warn\"\n")
        #expect(try resolve(LogFlags(config: plain), ["ECL_LOG_SQL_URL": "sqlite:e.db"]).sqlURLSource == "ECL_LOG_SQL_URL")
        #expect(try resolve(LogFlags(config: plain)).config.sqlExporter == nil)
        let file = write("sql.toml", "[logging.sql_exporter]\ndatabase_url = \"sqlite:a.db\"\n")
        let fromFile = try resolve(LogFlags(config: file))
        #expect(fromFile.sqlURLSource == "logging.sql_exporter.database_url" && fromFile.config.sqlExporter?.databaseURL == "sqlite:a.db")
        let fromEnvironment = try resolve(LogFlags(config: file), ["ECL_LOG_SQL_URL": "sqlite:b.db"])
        #expect(fromEnvironment.sqlURLSource == "ECL_LOG_SQL_URL" && fromEnvironment.config.sqlExporter?.databaseURL == "sqlite:b.db")
        let fromFlag = try resolve(LogFlags(config: file), logSQL: "sqlite:c.db", ["ECL_LOG_SQL_URL": "sqlite:b.db"])
        #expect(fromFlag.sqlURLSource == "--log-sql" && fromFlag.config.sqlExporter?.databaseURL == "sqlite:c.db" && !fromFlag.sqlURLFromPreset)
        #expect(fromFlag.config.sqlExporter?.async == true)
    }

    @Test func samplingFromTheFileTheEnvironmentAndTheFlag() throws {
        let file = write("sampling.toml", """
            [logging.sampling]
            ratio = 0.25
            keep_failed = false
            """)
        #expect(try load(LogFlags(config: file)).sampling == SamplingConfig(ratio: 0.25, keepFailed: false))
        #expect(try load(LogFlags(config: file), ["ECL_SAMPLE": "0.5"]).sampling == SamplingConfig(ratio: 0.5, keepFailed: false))
        #expect(try load(LogFlags(config: file, sample: "1"), ["ECL_SAMPLE": "0.5", "ECL_SAMPLE_KEEP_FAILED": "TRUE"]).sampling
            == SamplingConfig(ratio: 1, keepFailed: true))
        #expect(try load(LogFlags(sample: "0")).sampling == SamplingConfig(ratio: 0, keepFailed: true))
        #expect(try load().sampling == nil)
        #expect(message { () throws(LogConfigError) in try load(LogFlags(sample: "1.5")) }
            == "--sample: '1.5' is not a valid sampling ratio; accepted: a number from 0 to 1, such as 0.1 (the share of workflows kept whole)")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(), ["ECL_SAMPLE": "most"]) }.hasPrefix("ECL_SAMPLE: 'most'"))
        #expect(message { () throws(LogConfigError) in try load(LogFlags(sample: "0.1"), ["ECL_SAMPLE_KEEP_FAILED": "yes"]) }
            == "ECL_SAMPLE_KEEP_FAILED: 'yes' is not a valid keep-failed setting; accepted: true, false")
        let bad = write("bad-sampling.toml", "[logging.sampling]\nratio = 2\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: bad)) }.hasSuffix("logging.sampling.ratio: '2' is not accepted; expected a number from 0 to 1 (the share of workflows kept whole)"))
        // keep_failed alone: every workflow kept (a ratio may come from ECL_SAMPLE or --sample).
        let keepOnly = write("keep-only.toml", "[logging.sampling]\nkeep_failed = false\n")
        #expect(try load(LogFlags(config: keepOnly, sample: "0.2")).sampling == SamplingConfig(ratio: 0.2, keepFailed: false))
        let unknown = write("unknown-sampling.toml", "[logging.sampling]\nratio = 0.5\nrate = 1\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: unknown)) }.hasSuffix("unknown key 'logging.sampling.rate'; accepted: ratio, keep_failed"))
    }

    @Test func everyTOMLKeyIsRead() throws {
        let file = write("all.toml", """
            [logging]
            level = "debug"
            format = "json"
            include_timestamps = false
            include_location = true
            use_colors = false
            output = "\(directory)/out.log"
            filter = "info,ECLCore.Store=warn"

            [logging.sql_exporter]
            database_url = "sqlite:logs.db"
            async = false
            buffer_size = 50
            """)
        let config = try load(LogFlags(config: file))
        #expect(config == LogConfig(
            level: .info, format: .json, includeTimestamps: false, includeLocation: true, useColors: false,
            output: .file("\(directory)/out.log"), filter: "info,ECLCore.Store=warn",
            sqlExporter: SQLExporterConfig(databaseURL: "sqlite:logs.db", async: false, bufferSize: 50)))
    }

    @Test func theStageDesignsAsyncExportIsAcceptedForAsync() throws {
        let stage = write("stage.toml", "[logging.sql_exporter]\ndatabase_url = \"sqlite:x.db\"\nasync_export = false\n")
        #expect(try load(LogFlags(config: stage)).sqlExporter?.async == false)
        let both = write("both.toml", "[logging.sql_exporter]\ndatabase_url = \"sqlite:x.db\"\nasync = true\nasync_export = false\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: both)) }.contains("both async and async_export"))
    }

    @Test func fileIsFoundThroughEnvironmentOrCurrentDirectory() throws {
        let named = write("named.toml", "[logging]\nlevel = \"error\"\n")
        #expect(try load(LogFlags(), ["ECL_CONFIG": named]).level == .error)
        _ = write("ecl.toml", "[logging]\nformat = \"compact\"\n")
        #expect(try load().format == .compact)
        // A file without a [logging] table changes nothing.
        #expect(try load(LogFlags(config: write("other.toml", "# nothing set yet\n"))) == .default)
    }

    @Test func theExampleFileIsValid() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/ecl.toml").path
        let config = try load(LogFlags(config: example))
        #expect(config.sqlExporter != nil)
        #expect(config.filter != nil)
    }

    @Test func badLevelsAndFormatsNameSourceValueAndAccepted() {
        #expect(message { () throws(LogConfigError) in try load(LogFlags(logLevel: "loud")) }
            == "--log-level: 'loud' is not a valid log level; accepted: trace, debug, info, warn, error")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(), ["ECL_LOG_FORMAT": "xml"]) }
            == "ECL_LOG_FORMAT: 'xml' is not a valid log format; accepted: pretty, compact, json")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(), ["ECL_LOG_LEVEL": "verbose"]) }.hasPrefix("ECL_LOG_LEVEL: 'verbose'"))
        #expect(message { () throws(LogConfigError) in try load(LogFlags(logFormat: "yaml")) }.hasPrefix("--log-format: 'yaml'"))
        #expect(message { () throws(LogConfigError) in try load(LogFlags(preset: "staging")) }
            == "--preset: 'staging' is not a valid preset; accepted: default, dev, prod")
        let file = write("bad-level.toml", "[logging]\nlevel = \"chatty\"\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: file)) }
            == "\(file): logging.level: 'chatty' is not a valid log level; accepted: trace, debug, info, warn, error")
    }

    @Test func malformedTOMLNamesFileAndLine() {
        let file = write("broken.toml", "[logging]\nlevel = \"info\"\nformat = \n")
        let text = message { () throws(LogConfigError) in try load(LogFlags(config: file)) }
        #expect(text.hasPrefix("\(file):3:"))
        #expect(text.contains("malformed TOML"))
    }

    @Test func unknownKeysAndWrongTypesAreRejected() {
        let typo = write("typo.toml", "[logging]\nlevle = \"info\"\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: typo)) }.contains("unknown key 'logging.levle'"))
        let type = write("type.toml", "[logging]\nuse_colors = \"yes\"\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: type)) }.contains("logging.use_colors must be true or false"))
        let level = write("number.toml", "[logging]\nlevel = 3\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: level)) }.contains("logging.level must be a string"))
        let sql = write("sql.toml", "[logging.sql_exporter]\nbuffer_size = 0\ndatabase_url = \"sqlite:x\"\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: sql)) }.contains("buffer_size"))
        let topKey = write("top.toml", "level = \"debug\"\n[logging]\nformat = \"json\"\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: topKey)) }.contains("unknown key 'level'; accepted: [logging]"))
        let topTable = write("table.toml", "[loging]\nlevel = \"debug\"\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: topTable)) }.contains("unknown table '[loging]'"))
        let notTable = write("flat.toml", "logging = 3\n")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(config: notTable)) }.contains("must be a table"))
    }

    @Test func aMissingConfigFileIsReported() {
        let text = message { () throws(LogConfigError) in try load(LogFlags(config: "/nonexistent/ecl.toml")) }
        #expect(text.hasPrefix("--config: cannot read '/nonexistent/ecl.toml'"))
    }

    @Test func environmentFilterAndSQLURL() throws {
        let config = try load(LogFlags(), ["ECL_LOG_FILTER": "debug,ECLCore.Store=error", "ECL_LOG_SQL_URL": "sqlite:x.db"])
        #expect(config.level == .debug)
        #expect(config.filter == "debug,ECLCore.Store=error")
        #expect(config.sqlExporter?.databaseURL == "sqlite:x.db")
        #expect(message { () throws(LogConfigError) in try load(LogFlags(), ["ECL_LOG_FILTER": "ECLCore=noisy"]) }.hasPrefix("ECL_LOG_FILTER:"))
    }
}

@Suite struct LogFilterTests {
    @Test func mostSpecificRuleWins() throws {
        let filter = try LogFilter(parsing: "info, ECLCore=debug, ECLCore.Store=warn", source: "test")
        #expect(filter.defaultLevel == .info)
        #expect(filter.level(for: "ECLCore.Store", fallback: .error) == .warn)
        #expect(filter.level(for: "ECLCore.Store.Pool", fallback: .error) == .warn)
        #expect(filter.level(for: "ECLCore.Executor", fallback: .error) == .debug)
        #expect(filter.level(for: "ECLCoreX", fallback: .error) == .error)
        #expect(filter.level(for: "Other", fallback: .trace) == .trace)
    }

    @Test func badDirectivesAreRejected() {
        #expect(throws: LogConfigError.self) { try LogFilter(parsing: "=debug", source: "s") }
        #expect(throws: LogConfigError.self) { try LogFilter(parsing: "loud", source: "s") }
        #expect(throws: LogConfigError.self) { try LogFilter(parsing: "A=loud", source: "s") }
        #expect((try? LogFilter(parsing: "", source: "s"))?.rules.isEmpty == true)
    }

    @Test func levelNames() {
        #expect(LogLevel(name: "WARNING") == .warn)
        #expect(LogLevel(name: "Info") == .info)
        #expect(LogLevel(name: "nope") == nil)
        #expect(LogLevel.allCases.map(\.loggerLevel) == [.trace, .debug, .info, .warning, .error])
        #expect(LogLevel.debug < LogLevel.warn)
        #expect(LogOutput(parsing: "-") == .stdout)
        #expect(LogOutput(parsing: "stderr").description == "stderr")
        #expect(LogOutput(parsing: "/tmp/x.log") == .file("/tmp/x.log"))
    }

    @Test func configRoundTripsThroughCodable() throws {
        let config = LogConfig(output: .file("/tmp/a.log"), filter: "warn", sqlExporter: .init(databaseURL: "sqlite:y"))
        let data = try JSONEncoder().encode(config)
        #expect(try JSONDecoder().decode(LogConfig.self, from: data) == config)
        #expect(LogConfig.preset(named: "nope") == nil)
    }
}
