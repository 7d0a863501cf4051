# syntax=docker/dockerfile:1
# The iamsync image: a static binary on distroless/static (CA certificates, a nonroot user, no
# shell). Build it from a checkout, with BuildKit (docker buildx, or podman): the build stage runs
# on the build machine's platform ($BUILDPLATFORM), which the legacy builder cannot parse:
#   docker buildx build --load -t iamsync --build-arg VERSION=$(git describe --tags --always) \
#     --build-arg COMMIT=$(git rev-parse HEAD) --build-arg DATE=$(git log -1 --format=%cI) .
#   docker run --rm -e SCW_ACCESS_KEY -e SCW_SECRET_KEY -e SCW_DEFAULT_ORGANIZATION_ID \
#     -v "$PWD:/work" iamsync plan manifests
ARG GO_VERSION=1.26.8

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG TARGETOS TARGETARCH
ARG VERSION=dev
ARG COMMIT=
ARG DATE=
# .git is not in the build context (.dockerignore), so the commit comes from COMMIT.
RUN CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X github.com/iamsync/iamsync/cmd.Version=${VERSION} -X github.com/iamsync/iamsync/cmd.Commit=${COMMIT} -X github.com/iamsync/iamsync/cmd.Date=${DATE}" \
      -o /out/iamsync .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/iamsync /usr/local/bin/iamsync
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/iamsync"]
CMD ["--help"]
