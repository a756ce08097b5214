// Command manifest-check validates Kubernetes manifests offline against the API types themselves:
// every document of a multi-document YAML stream (stdin) is decoded strictly (unknown or duplicate
// fields, wrong types and unknown kinds are errors) with client-go's scheme, plus the Prometheus
// Operator's types for ServiceMonitor. It prints one line per document and exits 1 on the first
// document that does not decode.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/kubernetes/scheme"
	"sigs.k8s.io/yaml"
)

func main() {
	s := runtime.NewScheme()
	if err := scheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := monitoringv1.AddToScheme(s); err != nil {
		panic(err)
	}
	decoder := serializer.NewCodecFactory(s, serializer.EnableStrict).UniversalDeserializer()
	reader := utilyaml.NewYAMLReader(bufio.NewReader(os.Stdin))
	count := 0
	for {
		doc, err := reader.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Fprintf(os.Stderr, "manifest-check: reading YAML: %v\n", err)
			os.Exit(1)
		}
		var probe map[string]interface{}
		if err := yaml.Unmarshal(doc, &probe); err != nil {
			fmt.Fprintf(os.Stderr, "manifest-check: document %d is not YAML: %v\n", count+1, err)
			os.Exit(1)
		}
		if len(bytes.TrimSpace(doc)) == 0 || probe == nil {
			continue
		}
		count++
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		if err != nil {
			fmt.Fprintf(os.Stderr, "manifest-check: document %d (%v %v): %v\n", count, probe["kind"], probe["metadata"], err)
			os.Exit(1)
		}
		_ = obj
		fmt.Printf("ok %s\n", gvk.Kind)
	}
	if count == 0 {
		fmt.Fprintln(os.Stderr, "manifest-check: no documents")
		os.Exit(1)
	}
}
