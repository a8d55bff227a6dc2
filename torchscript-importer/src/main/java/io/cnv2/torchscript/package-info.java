/**
 * TorchScript files read as DJL's PyTorch engine reads them, with no graph card: the archive
 * ({@code TorchArchive}: code, constants and parameters), the pickles in it ({@code Pickle}), the
 * TorchScript code of every module ({@code TorchCode}), and an interpreter that runs a module's
 * {@code forward} on symbolic tensors and translates each aten operation to ONNX nodes, which the
 * ONNX importer then places (accelerator, host in fixed point, host in float). The float
 * reference is the file itself run by libtorch.
 */
package io.cnv2.torchscript;
