/// An error that knows the problem it answers. Each module's errors conform in a file of their
/// own here (`RegistryError+Problem.swift`, …), so the API layer keeps no list of error types:
/// an error without a conformance answers `500 internal_error` and is logged.
protocol ProblemConvertible: Error {
    var problem: APIProblem { get }
}

extension APIProblem: ProblemConvertible {
    var problem: APIProblem { self }
}
