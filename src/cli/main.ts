#!/usr/bin/env node
import { runProcess } from "./run-main.js";

runProcess();
