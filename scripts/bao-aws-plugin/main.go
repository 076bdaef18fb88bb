// The AWS auth method as an OpenBao plugin, for Strongbox's AWS IAM login
// tests: OpenBao's own builds leave `aws` out of the plugin catalog. This
// serves Vault's AWS auth backend through Vault's plugin SDK, whose gRPC
// protocol and handshake OpenBao's plugin runner speaks. Built by
// scripts/ensure-bao-aws-plugin.mjs (test tooling only; never shipped).
package main

import (
	"context"
	"errors"
	"log"
	"os"

	"github.com/hashicorp/vault/api"
	awsauth "github.com/hashicorp/vault/builtin/credential/aws"
	"github.com/hashicorp/vault/sdk/logical"
	"github.com/hashicorp/vault/sdk/plugin"
	"github.com/hashicorp/vault/sdk/rotation"
)

// withoutRotationManager answers the root-credential rotation calls that
// OpenBao's plugin host does not implement: writing auth/aws/config/client
// deregisters a rotation job on every write (none can exist without the
// manager), and registering one is refused as unsupported.
type withoutRotationManager struct{ logical.SystemView }

func (withoutRotationManager) DeregisterRotationJob(context.Context, *rotation.RotationJobDeregisterRequest) error {
	return nil
}

func (withoutRotationManager) RegisterRotationJob(context.Context, *rotation.RotationJobConfigureRequest) (string, error) {
	return "", errors.New("automated root rotation is not supported by this host")
}

func factory(ctx context.Context, conf *logical.BackendConfig) (logical.Backend, error) {
	conf.System = withoutRotationManager{conf.System}
	return awsauth.Factory(ctx, conf)
}

func main() {
	meta := &api.PluginAPIClientMeta{}
	if err := meta.FlagSet().Parse(os.Args[1:]); err != nil {
		log.Fatal(err)
	}
	err := plugin.ServeMultiplex(&plugin.ServeOpts{
		BackendFactoryFunc: factory,
		TLSProviderFunc:    api.VaultPluginTLSProvider(meta.GetTLSConfig()),
	})
	if err != nil {
		log.Fatal(err)
	}
}
