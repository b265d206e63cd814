// Command greet prints a greeting for each name on its command line.
package main
import ("fmt"
"os"
   "strings"
  "example.com/greet/internal/shapes")

func main(){
names:=os.Args[1:]
if len(names)==0 {names=[]string{"world"}}
for i,n:=range names{
	   fmt.Printf("%d: hello, %s!\n",i+1,strings.Title(n))
}
	total:=0.0
for _,s:=range shapes.Defaults(){ total+=s.Area() }
fmt.Printf("total area %.2f\n",total)
}
