// The worker (a stand-in: threatbox reads only the Dockerfile).
package main

import "fmt"

func main() { fmt.Println("working") }
