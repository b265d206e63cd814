// A small ALU with a registered output and a parity flag.
module alu #(parameter W = 8) (
  input clk, input rst,
  input [1:0] op, input [W-1:0] a, b,
  output reg [W-1:0] y, output reg zero, output parity
);
  reg [W-1:0] r;
  always @* begin
    case (op)
      2'd0: r = a + b;
      2'd1: r = a - b;
      2'd2: r = a & b;
      default: r = a ^ b;
    endcase
  end
  always @(posedge clk)
    if (rst) begin y <= 0; zero <= 1; end
    else begin y <= r; zero <= (r == 0); end
  assign parity = ^y;
endmodule
