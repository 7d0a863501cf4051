package model

// Adding a kind
//
// Each package that treats kinds differently keeps ONE table keyed by Kind, in that package
// (imports point down: a table lives where its functions do), and a test in the package fails
// when the table lacks a kind of Kinds. A new kind is one entry per table plus its genuinely
// new code. Measured for projects (issue 17: 27 files and ~42 places before the tables, 13 of
// them because project references were turned into IDs at plan time, which they no longer are):
//
//   - model: the Kind and its place in Kinds, kindNouns, kindSpecs (resource.go); Project gains
//     Meta and Key(); its sort in Normalize; deps.go makes a project reference a RefResource
//     (model.go, resource.go, normalize.go, deps.go).
//
// Done (issue 17), it took: model (Kind, kindNouns, kindSpecs, Project with Meta, the
// description marker in ownership.go, ProjectIDs.Add; references stayed RefProject, since a
// project may be named by ID, and deps.go gained WantsProjectRules), schema (decode_projects.go,
// one line each in kinds.go, decode.go, marshal.go, the JSON Schema), plan (projects.go, one
// line in kinds.go; resolveDesired names declared projects, checkReferences refuses a dropped
// one, holdProjects keeps a project that holds resources), apply (projects.go, handlerOf, three
// Writer methods, resolver.set), live (projects.go took over the projects list from read.go),
// audit (auditKinds; drift.go reports a held project as IAM003), export (exportKinds,
// projects.yaml); cmd nothing but its test helpers. The project-specific rules, not the seam,
// are most of the new code.
//   - schema: schemaKinds (kinds.go) with its decode, marshal and check functions (decode.go,
//     marshal.go, check_kinds.go), its map in sources, and its section in iamsync.schema.json.
//   - plan: kindDiffs (kinds.go) with its fields function; projects carry no tags, so an
//     ownership marker as SSH keys have (model/ownership.go, plan/ownership.go).
//   - apply: handlerOf and the Writer methods (apply.go), the handlers (kinds.go); the
//     resolver's project index also learns the IDs this run created (resolve.go, set).
//   - live: liveKinds (kinds.go), which takes over the projects list Read makes today
//     (read.go), and the writes (write_kinds.go).
//   - audit: auditKinds (kinds.go). export: exportKinds and a file in exportFiles (export.go).
//   - cmd: nothing (validate counts every kind through Kind.Count and schema.Section).
//
// That is about 18 files, a third of them documentation (README.md, schema/README.md,
// plan/FORMAT.md), and one place per package besides the new code.
