import FolioDomain
import HTTPTypes

extension ValidationFailure: ProblemConvertible {
    var problem: APIProblem { .validationFailed(self) }
}
