// The Go client of the Flyte Override Resolver. The generated packages under
// gen/ are not in the repository: clients/go/generate.sh lays out the whole
// module (see README.md). The versions below are the oldest it is built and
// tested with (Debian bookworm's packages); a consumer's newer ones win.
module flyteoverride/goclient

go 1.19

require (
	google.golang.org/grpc v1.33.3
	google.golang.org/protobuf v1.28.1
	gopkg.in/yaml.v3 v3.0.1
)
