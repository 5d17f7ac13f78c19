// The generated OpenAPI types and server stubs live in this module; SwiftPM needs one Swift file.
