import PostgresNIO
import Testing

@testable import TenantRegistry

@Suite struct DatabaseURLTests {
    @Test func thePoolStartsWarmUnlessToldOtherwise() throws {
        let warm = try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&max_connections=12").configuration.options
        #expect(warm.maximumConnections == 12)
        #expect(warm.minimumConnections == 12)
        let lazy = try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&max_connections=12&min_connections=2").configuration.options
        #expect(lazy.minimumConnections == 2)
        let capped = try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&max_connections=4&min_connections=9").configuration.options
        #expect(capped.minimumConnections == 4)
    }

    @Test func statementsArePreparedUnlessToldOtherwise() throws {
        #expect(try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable").preparesStatements)
        #expect(try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&prepared_statements=on").preparesStatements)
        #expect(try !DatabaseURL("postgres://folio@127.0.0.1:5432/folio?sslmode=disable&prepared_statements=off").preparesStatements)
        #expect(throws: DatabaseURLError.malformed("prepared_statements must be on or off")) {
            try DatabaseURL("postgres://folio@127.0.0.1:5432/folio?prepared_statements=no")
        }
    }
}
